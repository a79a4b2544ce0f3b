import { type DeploymentManifest, parseStageConfig, SOLANA_CHAIN_ID, type SolanaChainManifest } from "@slabridge/core";
import { MemoryCursorStore, MemoryPaymentStore, MemorySendLeaseStore } from "@slabridge/store";
import { Keypair } from "@solana/web3.js";
import { describe, expect, it } from "vitest";
import { createSolanaChain } from "./createSolanaChain.ts";
import { vaultScanCursorId } from "./SolanaWatcher.ts";

const address = (n: number): `0x${string}` => `0x${n.toString(16).padStart(40, "0")}`;
const anvil = (index: number) => ({ kind: "anvil-dev-account" as const, index, address: address(100 + index) });
const key = () => Keypair.generate().publicKey.toBase58();
const solana: SolanaChainManifest = {
  family: "solana",
  name: "solana",
  chainId: SOLANA_CHAIN_ID,
  rpcUrl: "http://127.0.0.1:9",
  wsUrl: "ws://127.0.0.1:10",
  mint: key(),
  decimals: 6,
  vault: key(),
  multisig: key(),
  threshold: 1,
  operators: [anvil(6)],
  wormholeEmitter: `0x${"11".repeat(32)}`,
};
const GENESIS = 1_000_000;
const manifest: DeploymentManifest = {
  version: 1,
  network: "devnet",
  createdAt: new Date(0).toISOString(),
  homeChainId: 31_338,
  chains: [solana],
  guardian: { apiUrl: "http://127.0.0.1:7071", guardianSetIndex: 0 },
  dynamo: { endpoint: "http://127.0.0.1:4567", region: "us-east-1", tables: {} },
  hosts: [],
  models: [
    {
      modelId: "1",
      homeChainId: 31_338,
      genesis: GENESIS,
      epochSeconds: 60,
      hostName: "test",
      hostUrl: "http://127.0.0.1:1",
      pricePerRequest: "1",
    },
  ],
  keys: {
    deployer: anvil(0),
    layerZeroDvn: anvil(1),
    layerZeroExecutor: anvil(2),
    wormholeGuardian: { kind: "wormhole-sdk-devnet-guardian", address: address(12) },
    probers: [anvil(3)],
    proberThreshold: 1,
    demoBuyers: [],
  },
};

describe("createSolanaChain's finality lag (finding 12)", () => {
  it("a deployed stage's Solana cluster waits its configured finality before an epoch's receipts are cut", async () => {
    // As config/dev.json: the cluster's RPC URL is a secret (AWS) and the stage config sets its finality lag.
    const config = parseStageConfig({
      stage: "dev",
      chains: [
        {
          chainId: SOLANA_CHAIN_ID,
          name: "solana",
          family: "solana",
          rpcUrl: { secret: "RpcUrlSolana" },
          confirmations: 0,
          finalityLagMs: 30_000,
        },
      ],
      routes: [],
      batching: { maxPaymentsPerReceiptBatch: 10, maxRefundsPerTransaction: 2 },
      retry: { tiersMs: [50], maxAttempts: 3, jitter: 0 },
      watch: { pollIntervalSeconds: 1 },
    });
    const epochEnd = (GENESIS + 60) * 1000;
    let now = epochEnd + 5_000;
    const cursors = new MemoryCursorStore();
    const chain = createSolanaChain({
      chain: solana,
      manifest,
      config,
      rpcUrl: undefined,
      cursors,
      leases: new MemorySendLeaseStore(),
      payments: new MemoryPaymentStore(),
      clock: { now: () => now },
      intake: { ingest: async () => "exists" },
      guardian: { getSignedVaa: async () => new Uint8Array() },
      home: {
        wormholeChainId: 10_004,
        messenger: `0x${"22".repeat(32)}`,
        guardianSets: { forIndex: async () => ({ index: 0, keys: [] }) },
        payees: async () => [],
      },
      delivers: () => false,
    });
    // A payment made 2 s before the end finalizes ~13 s later; a vault pass that started 5 s after the end has not
    // recorded it, so the epoch must not count as over (its final receipt batch would leave the payment out).
    const scan = vaultScanCursorId(solana.vault);
    await cursors.advance({ id: scan, block: BigInt(now), blockHash: "scan", version: 1 }, undefined);
    expect((await chain.receipts.progress(1n, 0n)).epochOver).toBe(false);
    // A pass that started after end + 30 s has seen every finalized payment of the epoch.
    now = epochEnd + 31_000;
    await cursors.advance({ id: scan, block: BigInt(now), blockHash: "scan", version: 2 }, 1);
    expect(await chain.receipts.progress(1n, 0n)).toMatchObject({ epochOver: true, epochEndsAt: epochEnd + 30_000 });
  });

  it("refuses a stage config whose deployed Solana cluster has no finality lag", () => {
    const chain = { chainId: SOLANA_CHAIN_ID, name: "solana", family: "solana", confirmations: 0 };
    const stage = (chains: unknown[]) => ({
      stage: "dev",
      chains,
      routes: [],
      batching: {},
      retry: { tiersMs: [50], maxAttempts: 3, jitter: 0 },
      watch: { pollIntervalSeconds: 1 },
    });
    expect(() => parseStageConfig(stage([{ ...chain, rpcUrl: { secret: "RpcUrlSolana" } }]))).toThrow(/finalityLagMs/);
    expect(() => parseStageConfig(stage([{ ...chain, rpcUrl: { manifest: true } }]))).not.toThrow();
  });
});
