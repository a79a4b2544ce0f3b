import type { Hex } from "@slabridge/core";
import { createStablecoinFixture, SolanaLocalRpc, type StablecoinFixture } from "@slabridge/devnet";
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
import { formatSlabridgeMemo } from "../memo/formatSlabridgeMemo.ts";
import { MEMO_PROGRAM_ID } from "../multisig/buildMultisigTransfer.ts";
import {
  associatedTokenAccount,
  buildVaultTransferBatch,
  type VaultTransferOrder,
} from "../multisig/buildVaultTransferBatch.ts";
import { SolanaSender } from "../sender/SolanaSender.ts";
import { SolanaStatusReader } from "./SolanaStatusReader.ts";
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

describe("SolanaStatusReader", () => {
  const payment = {
    chainId: 9,
    modelId: 2n,
    epoch: 7n,
    paymentId: paymentId(3),
    buyer: "buyer",
    amount: 60n,
    transaction: "sig",
    block: 1n,
    blockHash: "hash",
    observedAt: 0,
  };
  const payments = { listEpoch: async (chainId: number) => (chainId === 9 ? [payment] : []) };

  it("reports the epoch's payments and the vault's refunds and payouts found by the outflow reader", async () => {
    const reader = new SolanaStatusReader({
      chainId: 9,
      name: "solana",
      payments,
      outflows: new VaultOutflowSettlementReader({ connection, vault: fx.vault }),
    });
    const view = await reader.settlement.epochSettlement({ modelId: 2n, epoch: 7n, refundBps: 2_500 });
    expect(view).toMatchObject({
      family: "solana",
      chainId: 9,
      payments: [{ paymentId: paymentId(3), buyer: "buyer", amount: 60n, transaction: "sig" }],
      paid: 60n,
      reader: "wired",
    });
    expect(view.refunds?.map((r) => r.reference)).toEqual([paymentId(3), paymentId(9)]);
    expect(view.payouts?.map((p) => p.reference)).toEqual(["0", "1"]);
  });

  it("reports the payments alone without an outflow reader", async () => {
    const reader = new SolanaStatusReader({ chainId: 9, name: "solana", payments });
    expect(await reader.settlement.epochSettlement({ modelId: 2n, epoch: 7n, refundBps: undefined })).toEqual({
      family: "solana",
      chainId: 9,
      payments: [{ paymentId: paymentId(3), buyer: "buyer", amount: 60n, transaction: "sig" }],
      paid: 60n,
      reader: "none",
      refunds: null,
      payouts: null,
    });
  });
});
