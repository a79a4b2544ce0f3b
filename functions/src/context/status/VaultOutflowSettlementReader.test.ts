import { type DeploymentManifest, type Hex, parseStageConfig, SOLANA_CHAIN_ID } from "@slabridge/core";
import { createStablecoinFixture, SolanaLocalRpc, type StablecoinFixture } from "@slabridge/devnet";
import {
  associatedTokenAccount,
  buildVaultTransferBatch,
  formatSlabridgeMemo,
  MEMO_PROGRAM_ID,
  SolanaSender,
  type VaultTransferOrder,
} from "@slabridge/solana";
import { MemoryJobStore, MemoryPaymentStore } from "@slabridge/store";
import {
  Connection,
  Keypair,
  LAMPORTS_PER_SOL,
  PublicKey,
  sendAndConfirmTransaction,
  Transaction,
  TransactionInstruction,
} from "@solana/web3.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildStatusWorld } from "./buildStatusWorld.ts";
import { VaultOutflowSettlementReader } from "./VaultOutflowSettlementReader.ts";

const TOKEN_PROGRAM_ID = new PublicKey("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");
const paymentId = (n: number): Hex => `0x${n.toString(16).padStart(64, "0")}`;

let rpc: SolanaLocalRpc;
let fx: StablecoinFixture;
let connection: Connection;
let operators: Keypair[];
let sender: SolanaSender;

/** A buyer pays the vault `amount` with a payment memo (hand-built SPL `Transfer`): money for the outflows. */
async function fundVault(buyer: StablecoinFixture["buyers"][number], amount: bigint): Promise<void> {
  const data = Buffer.alloc(9);
  data.writeUInt8(3, 0);
  data.writeBigUInt64LE(amount, 1);
  const tx = new Transaction().add(
    new TransactionInstruction({
      programId: TOKEN_PROGRAM_ID,
      keys: [
        { pubkey: buyer.tokenAccount, isSigner: false, isWritable: true },
        { pubkey: fx.vault, isSigner: false, isWritable: true },
        { pubkey: buyer.keypair.publicKey, isSigner: true, isWritable: false },
      ],
      data,
    }),
    new TransactionInstruction({
      programId: MEMO_PROGRAM_ID,
      keys: [],
      data: Buffer.from(formatSlabridgeMemo({ kind: "pay", modelId: 2n, ref: "ab".repeat(8) }), "utf8"),
    }),
  );
  await sendAndConfirmTransaction(connection, tx, [buyer.keypair]);
}

/** Pays `orders` out of the vault in one multisig transaction (2 of 3 operators); returns its signature. */
async function payOut(orders: VaultTransferOrder[]): Promise<string> {
  const signers = operators.slice(0, 2);
  const batch = buildVaultTransferBatch({
    vault: fx.vault,
    multisigAuthority: fx.multisig,
    signers: signers.map((k) => k.publicKey),
    mint: fx.mint,
    decimals: fx.decimals,
    feePayer: operators[0]?.publicKey as PublicKey,
    orders,
    maxTransfers: 10,
  });
  expect(batch.count).toBe(orders.length);
  return (await sender.send(batch.instructions, signers)).signature;
}

const refund = (epoch: bigint, n: number, buyer: number, amount: bigint, modelId = 2n): VaultTransferOrder => ({
  destination: fx.buyers[buyer]?.tokenAccount as PublicKey,
  amount,
  memo: formatSlabridgeMemo({ kind: "refund", modelId, epoch, paymentId: paymentId(n) }),
});

const payee = Keypair.generate().publicKey;
const payout = (epoch: bigint, index: number, amount: bigint): VaultTransferOrder => ({
  destination: associatedTokenAccount(payee, fx.mint),
  amount,
  memo: formatSlabridgeMemo({ kind: "payout", modelId: 2n, epoch, index }),
  createAssociatedFor: payee,
});

beforeAll(async () => {
  rpc = await SolanaLocalRpc.start();
  operators = [Keypair.generate(), Keypair.generate(), Keypair.generate()];
  fx = createStablecoinFixture(rpc, {
    operators: operators.map((k) => k.publicKey),
    threshold: 2,
    buyers: [Keypair.generate(), Keypair.generate()],
  });
  rpc.airdrop(operators[0]?.publicKey as PublicKey, 10 * LAMPORTS_PER_SOL);
  connection = new Connection(rpc.url, "confirmed");
  sender = new SolanaSender({
    connection,
    payer: operators[0] as Keypair,
    priorityFee: { microLamports: 1_000, bumpFactor: 2, max: 50_000 },
    confirmTimeoutMs: 10_000,
    pollIntervalMs: 20,
  });
  await fundVault(fx.buyers[0] as StablecoinFixture["buyers"][number], 1_000_000n);
});

afterAll(() => rpc?.close());

describe("VaultOutflowSettlementReader", () => {
  it("finds the epoch's refunds and payouts by memo, with owners as recipients, whoever sent them and when", async () => {
    // Two transactions for epoch 7 (refunds out of payment order, payouts out of index order) and noise around it.
    const first = await payOut([refund(7n, 9, 1, 40n), payout(7n, 1, 300n), refund(8n, 1, 0, 5n)]);
    const second = await payOut([refund(7n, 3, 0, 20n), payout(7n, 0, 100n), refund(7n, 4, 0, 7n, 3n)]);
    const reader = new VaultOutflowSettlementReader({ connection, vault: fx.vault });

    const found = await reader.read({ modelId: 2n, epoch: 7n });
    const slot = async (signature: string) =>
      BigInt((await connection.getTransaction(signature, { maxSupportedTransactionVersion: 0 }))?.slot ?? -1);
    const buyer = (i: number) => fx.buyers[i]?.keypair.publicKey.toBase58();
    expect(found.refunds).toEqual([
      { reference: paymentId(3), recipient: buyer(0), amount: 20n, signature: second, slot: await slot(second) },
      { reference: paymentId(9), recipient: buyer(1), amount: 40n, signature: first, slot: await slot(first) },
    ]);
    expect(found.payouts).toEqual([
      { reference: "0", recipient: payee.toBase58(), amount: 100n, signature: second, slot: await slot(second) },
      { reference: "1", recipient: payee.toBase58(), amount: 300n, signature: first, slot: await slot(first) },
    ]);

    expect(await reader.read({ modelId: 2n, epoch: 8n })).toEqual({
      refunds: [expect.objectContaining({ reference: paymentId(1), amount: 5n, signature: first })],
      payouts: [],
    });
    expect(await reader.read({ modelId: 2n, epoch: 6n })).toEqual({ refunds: [], payouts: [] });
  });

  it("turns an RPC failure into a retryable SolanaRpcError", async () => {
    const dead = new VaultOutflowSettlementReader({
      connection: new Connection("http://127.0.0.1:9"),
      vault: fx.vault,
    });
    await expect(dead.read({ modelId: 2n, epoch: 7n })).rejects.toMatchObject({
      name: "SolanaRpcError",
      retryable: true,
    });
  });
});

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
  const build = (m: DeploymentManifest, rpcUrls = new Map([[31_338, "http://127.0.0.1:9"]]), allow = false) =>
    buildStatusWorld({
      manifest: m,
      config,
      stores: { jobs: new MemoryJobStore(), payments: new MemoryPaymentStore() },
      rpcUrls,
      ...(allow ? { allowNonLoopback: true } : {}),
    });

  it("reads the manifest's vault over its RPC URL (or the resolved one) when the manifest has Solana", async () => {
    const fromManifest = build(manifest(rpc.url)).solanaSettlement;
    expect(fromManifest).toBeInstanceOf(VaultOutflowSettlementReader);
    expect((await fromManifest?.read({ modelId: 2n, epoch: 7n, payments: [], refundBps: 0 }))?.payouts).toHaveLength(2);
    // A resolved URL (AWS: the linked secret) wins over the manifest's.
    const resolved = build(
      manifest("http://127.0.0.1:9"),
      new Map([
        [31_338, "http://127.0.0.1:9"],
        [SOLANA_CHAIN_ID, rpc.url],
      ]),
    ).solanaSettlement;
    expect((await resolved?.read({ modelId: 2n, epoch: 7n, payments: [], refundBps: 0 }))?.refunds).toHaveLength(2);
  });

  it("has no reader without Solana, and refuses a non-loopback Solana URL unless allowed", () => {
    expect(build(manifest(undefined)).solanaSettlement).toBeUndefined();
    const remote = manifest("https://solana.example.com/v1/key");
    expect(() => build(remote)).toThrow(expect.objectContaining({ name: "StatusConfigError", retryable: false }));
    expect(() => build(remote)).not.toThrow(/example\.com/);
    expect(build(remote, undefined, true).solanaSettlement).toBeInstanceOf(VaultOutflowSettlementReader);
  });
});
