import { type DeploymentManifest, parseStageConfig, SOLANA_CHAIN_ID } from "@slabridge/core";
import { createStablecoinFixture, SolanaLocalRpc, type StablecoinFixture } from "@slabridge/devnet";
import type { StatusWorld } from "@slabridge/status";
import { MemoryJobStore, MemoryPaymentStore } from "@slabridge/store";
import { Keypair } from "@solana/web3.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildStatusWorld } from "./buildStatusWorld.ts";

let rpc: SolanaLocalRpc;
let fx: StablecoinFixture;

beforeAll(async () => {
  rpc = await SolanaLocalRpc.start();
  fx = createStablecoinFixture(rpc, {
    operators: [Keypair.generate(), Keypair.generate(), Keypair.generate()].map((k) => k.publicKey),
    threshold: 2,
  });
});

afterAll(() => rpc?.close());

describe("buildStatusWorld's Solana reader", () => {
  const address = (n: number): `0x${string}` => `0x${n.toString(16).padStart(40, "0")}`;
  const anvil = (index: number) => ({ kind: "anvil-dev-account" as const, index, address: address(100 + index) });
  const manifest = (solanaRpcUrl: string | undefined): DeploymentManifest => ({
    version: 1,
    network: "devnet",
    createdAt: new Date(0).toISOString(),
    homeChainId: 31_338,
    chains: [
      {
        family: "evm",
        name: "evm-b",
        chainId: 31_338,
        rpcUrl: "http://127.0.0.1:9",
        confirmations: 1,
        layerZero: { eid: 40_001, endpointV2: address(1), sendUln302: address(2), receiveUln302: address(3) },
        wormhole: { chainId: 10_004, core: address(4) },
        stablecoin: { address: address(5), decimals: 6, symbol: "dUSDC" },
        contracts: {
          modelRegistry: address(6),
          slaOracle: address(7),
          layerZeroMessenger: address(10),
          wormholeMessenger: address(11),
        },
      },
      ...(solanaRpcUrl
        ? [
            {
              family: "solana" as const,
              name: "solana",
              chainId: SOLANA_CHAIN_ID,
              rpcUrl: solanaRpcUrl,
              wsUrl: "ws://127.0.0.1:8900",
              mint: fx.mint.toBase58(),
              decimals: 6,
              vault: fx.vault.toBase58(),
              multisig: fx.multisig.toBase58(),
              threshold: 2,
              operators: [anvil(6)],
              wormholeEmitter: `0x${"11".repeat(32)}` as const,
            },
          ]
        : []),
    ],
    guardian: { apiUrl: "http://127.0.0.1:7071", guardianSetIndex: 0 },
    dynamo: { endpoint: "http://127.0.0.1:4567", region: "us-east-1", tables: {} },
    hosts: [],
    models: [],
    keys: {
      deployer: anvil(0),
      layerZeroDvn: anvil(1),
      layerZeroExecutor: anvil(2),
      wormholeGuardian: { kind: "wormhole-sdk-devnet-guardian", address: address(12) },
      probers: [anvil(3)],
      proberThreshold: 1,
      demoBuyers: [],
    },
  });
  const config = parseStageConfig({
    stage: "devnet",
    chains: [
      { chainId: 31_338, name: "evm-b", family: "evm", rpcUrl: { url: "http://127.0.0.1:9" }, confirmations: 1 },
    ],
    routes: [],
    batching: { maxPaymentsPerReceiptBatch: 10, maxRefundsPerTransaction: 2 },
    retry: { tiersMs: [50], maxAttempts: 3, jitter: 0 },
    watch: { pollIntervalSeconds: 1 },
  });
  const payments = new MemoryPaymentStore();
  const build = (m: DeploymentManifest, rpcUrls = new Map([[31_338, "http://127.0.0.1:9"]]), allow = false) =>
    buildStatusWorld({
      manifest: m,
      config,
      stores: { jobs: new MemoryJobStore(), payments },
      rpcUrls,
      ...(allow ? { allowNonLoopback: true } : {}),
    });
  const solanaOf = (world: StatusWorld) => world.chains.find((chain) => chain.chainId === SOLANA_CHAIN_ID);
  const read = (world: StatusWorld) =>
    solanaOf(world)?.settlement?.epochSettlement({ modelId: 2n, epoch: 7n, refundBps: 0 });

  beforeAll(async () => {
    await payments.record({
      chainId: SOLANA_CHAIN_ID,
      paymentId: `0x${"01".repeat(32)}`,
      modelId: 2n,
      epoch: 7n,
      buyer: fx.vault.toBase58(),
      amount: 25n,
      transaction: "5".repeat(64),
      block: 1n,
      blockHash: "5".repeat(64),
      observedAt: 0,
    });
  });

  it("reads the epoch's payments and the manifest's vault over its RPC URL (or the resolved one) when the manifest has Solana", async () => {
    // The vault has no outflows yet: a read that reaches the ledger finds none; one that reaches port 9 fails.
    expect(await read(build(manifest(rpc.url)))).toMatchObject({
      family: "solana",
      chainId: SOLANA_CHAIN_ID,
      payments: [{ paymentId: `0x${"01".repeat(32)}`, amount: 25n }],
      paid: 25n,
      reader: "wired",
      refunds: [],
      payouts: [],
    });
    // A resolved URL (AWS: the linked secret) wins over the manifest's.
    const resolved = build(
      manifest("http://127.0.0.1:9"),
      new Map([
        [31_338, "http://127.0.0.1:9"],
        [SOLANA_CHAIN_ID, rpc.url],
      ]),
    );
    expect(await read(resolved)).toMatchObject({ reader: "wired", refunds: [], payouts: [] });
    await expect(read(build(manifest("http://127.0.0.1:9")))).rejects.toMatchObject({ name: "SolanaRpcError" });
  });

  it("has no reader without Solana, and refuses a non-loopback Solana URL unless allowed", () => {
    expect(solanaOf(build(manifest(undefined)))).toBeUndefined();
    const remote = manifest("https://solana.example.com/v1/key");
    expect(() => build(remote)).toThrow(expect.objectContaining({ name: "StatusConfigError", retryable: false }));
    expect(() => build(remote)).not.toThrow(/example\.com/);
    expect(solanaOf(build(remote, undefined, true))?.settlement).toBeDefined();
  });
});
