import { type DeploymentManifest, type Hex, SOLANA_CHAIN_ID } from "@slabridge/core";
import {
  createMemoInstruction,
  createStablecoinFixture,
  SolanaLocalRpc,
  type StablecoinFixture,
} from "@slabridge/devnet";
import {
  associatedTokenAccount,
  formatSlabridgeMemo,
  readVaultOutflows,
  SolanaSender,
  type SplitEntry,
  solanaPaymentId,
} from "@slabridge/solana";
import { MemoryCursorStore, MemoryPaymentStore, MemorySendLeaseStore } from "@slabridge/store";
import {
  Connection,
  Keypair,
  LAMPORTS_PER_SOL,
  type PublicKey,
  sendAndConfirmTransaction,
  Transaction,
  TransactionInstruction,
} from "@solana/web3.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SolanaSettlementTarget, type SolanaSettlementTargetOptions } from "./SolanaSettlementTarget.ts";
import type { SolanaVerdict } from "./SolanaVerdictSource.ts";

const MODEL = 5n;
const EPOCH = 0n;
const SCAN = "solana:vault-scan:test";
const model: DeploymentManifest["models"][number] = {
  modelId: "5",
  homeChainId: 31_338,
  genesis: 0,
  epochSeconds: 10,
  hostName: "test",
  hostUrl: "http://127.0.0.1:1",
  pricePerRequest: "1",
};
const verdict: SolanaVerdict = {
  modelId: MODEL,
  epoch: EPOCH,
  refundBps: 1_000,
  reportHash: `0x${"ab".repeat(32)}`,
  topUp: 0n,
  vaaId: `10003/${"00".repeat(32)}/0`,
  vaaHash: `0x${"cd".repeat(32)}`,
};
const evm = (n: number): Hex => `0x${"00".repeat(12)}${n.toString(16).padStart(40, "0")}`;

describe("SolanaSettlementTarget on a local Solana cluster", () => {
  let rpc: SolanaLocalRpc;
  let fx: StablecoinFixture;
  let connection: Connection;
  let operators: Keypair[];
  const payee = Keypair.generate().publicKey;
  const payees: SplitEntry[] = [
    { chain: 31_338, account: evm(1), shareBps: 6_000 },
    { chain: SOLANA_CHAIN_ID, account: `0x${Buffer.from(payee.toBytes()).toString("hex")}`, shareBps: 3_000 },
    { chain: 31_338, account: evm(2), shareBps: 1_000 },
  ];
  const payments = new MemoryPaymentStore();
  const cursors = new MemoryCursorStore();
  const leases = new MemorySendLeaseStore();
  let known: SolanaVerdict | undefined;
  let paidBalances: bigint[] = [];
  let sends = 0;

  const target = (overrides: Partial<SolanaSettlementTargetOptions> = {}) => {
    const [feePayer] = operators as [Keypair];
    const sender = new SolanaSender({
      connection,
      payer: feePayer,
      priorityFee: { microLamports: 1_000, bumpFactor: 2, max: 50_000 },
      confirmTimeoutMs: 10_000,
      pollIntervalMs: 20,
    });
    return new SolanaSettlementTarget({
      chainId: SOLANA_CHAIN_ID,
      connection,
      sender: {
        send: (...args: Parameters<SolanaSender["send"]>) => {
          sends++;
          return sender.send(...args);
        },
      },
      feePayer: feePayer.publicKey,
      operators,
      vault: fx.vault,
      multisig: fx.multisig,
      mint: fx.mint,
      decimals: fx.decimals,
      payments,
      cursors,
      leases,
      verdicts: { verified: async () => known },
      payees: async () => payees,
      models: [model],
      vaultScanCursorId: SCAN,
      ...overrides,
    });
  };

  async function pay(buyer: number, amount: bigint): Promise<void> {
    const { keypair, tokenAccount } = fx.buyers[buyer] ?? {};
    if (!keypair || !tokenAccount) throw new Error(`no buyer ${buyer}`);
    const data = Buffer.alloc(9);
    data.writeUInt8(3, 0);
    data.writeBigUInt64LE(amount, 1);
    const transfer = new TransactionInstruction({
      programId: fx.programId,
      keys: [
        { pubkey: tokenAccount, isSigner: false, isWritable: true },
        { pubkey: fx.vault, isSigner: false, isWritable: true },
        { pubkey: keypair.publicKey, isSigner: true, isWritable: false },
      ],
      data,
    });
    const memo = formatSlabridgeMemo({ kind: "pay", modelId: MODEL, ref: `${buyer}`.padStart(16, "0") });
    const tx = new Transaction().add(transfer, createMemoInstruction(memo, [keypair.publicKey]));
    const signature = await sendAndConfirmTransaction(connection, tx, [keypair]);
    await payments.record({
      chainId: SOLANA_CHAIN_ID,
      modelId: MODEL,
      epoch: EPOCH,
      paymentId: solanaPaymentId(signature, { instructionIndex: 0 }),
      buyer: keypair.publicKey.toBase58(),
      amount,
      transaction: signature,
      block: 1n,
      blockHash: signature,
      observedAt: Date.now(),
    });
  }

  const balance = async (account: PublicKey) =>
    BigInt((await connection.getTokenAccountBalance(account).catch(() => undefined))?.value.amount ?? "0");

  beforeAll(async () => {
    rpc = await SolanaLocalRpc.start();
    operators = [Keypair.generate(), Keypair.generate(), Keypair.generate()];
    fx = createStablecoinFixture(rpc, {
      operators: operators.map((k) => k.publicKey),
      threshold: 2,
      buyers: [Keypair.generate(), Keypair.generate()],
    });
    operators = operators.slice(0, 2);
    rpc.airdrop(operators[0]?.publicKey as PublicKey, 10 * LAMPORTS_PER_SOL);
    connection = new Connection(rpc.url, "confirmed");
    await pay(0, 1_005n);
    await pay(1, 2_019n);
    await pay(0, 9n);
    paidBalances = await Promise.all(fx.buyers.map((b) => balance(b.tokenAccount)));
  });
  afterAll(() => rpc.close());

  it("is not applied without a verified verdict, nor before a vault pass has covered the whole epoch", async () => {
    expect(await target().state(MODEL, EPOCH)).toEqual({ verdictApplied: false, refundsDone: false, released: false });
    known = verdict;
    expect((await target().state(MODEL, EPOCH)).verdictApplied).toBe(false); // no vault pass recorded yet
    await cursors.advance({ id: SCAN, block: 9_999n, blockHash: "scan", version: 1 }, undefined);
    expect((await target().state(MODEL, EPOCH)).verdictApplied).toBe(false); // that pass started before the end
    await cursors.advance({ id: SCAN, block: BigInt(Date.now()), blockHash: "scan", version: 2 }, 1);
    expect(await target().state(MODEL, EPOCH)).toEqual({ verdictApplied: true, refundsDone: false, released: false });
  });

  it("refuses payouts before the refunds, an unknown model, and refunds from what the store says but the chain does not", async () => {
    await expect(target().release(MODEL, EPOCH)).rejects.toMatchObject({ name: "SolanaRefundsPendingError" });
    await expect(target().state(99n, EPOCH)).rejects.toMatchObject({
      name: "SolanaSettlementConfigError",
      retryable: false,
    });
    const lying = new MemoryPaymentStore();
    for (const p of await payments.listEpoch(SOLANA_CHAIN_ID, MODEL, EPOCH))
      await lying.record({ ...p, amount: 999_999n });
    const before = sends;
    await expect(target({ payments: lying }).refundNext(MODEL, EPOCH, 10)).rejects.toMatchObject({
      name: "SolanaPaymentMismatchError",
      retryable: false,
    });
    expect(sends).toBe(before);
  });

  it("backs off while another send holds the lease, and takes over a stale one", async () => {
    const id = `solana:vault-send:${MODEL}:${EPOCH}`;
    const lease = await leases.get(id);
    await leases.advance(
      { id, state: "sending", takenAt: Date.now(), version: (lease?.version ?? 0) + 1 },
      lease?.version,
    );
    const before = sends;
    await expect(target().refundNext(MODEL, EPOCH, 1)).rejects.toMatchObject({
      name: "VaultSendInFlightError",
      retryable: true,
    });
    expect(sends).toBe(before);
    // The holder died long ago (past the guard): the next worker takes over.
    const { transaction } = await target({ inFlightGuardMs: 0 }).refundNext(MODEL, EPOCH, 1);
    expect(transaction).not.toBe("");
    expect((await leases.get(id))?.state).toBe("idle");
  });

  it("refunds floor(10 %) of each payment once, then pays the Solana payee its share once", async () => {
    const t = target();
    // One payment was refunded by the takeover above; two remain, one per transaction.
    for (let i = 0; i < 5 && !(await t.state(MODEL, EPOCH)).refundsDone; i++) await t.refundNext(MODEL, EPOCH, 1);
    expect(await t.refundNext(MODEL, EPOCH, 10)).toEqual({ transaction: "" }); // nothing left: no transaction
    const refunds = await readVaultOutflows(connection, fx.vault, { match: (m) => m.kind === "refund" });
    // floor(1,005 / 10) = 100 and floor(2,019 / 10) = 201; floor(9 / 10) = 0 needs no transfer.
    expect([...refunds.values()].map((o) => o.amount).sort((a, b) => Number(a - b))).toEqual([100n, 201n]);
    const after = await Promise.all(fx.buyers.map((b) => balance(b.tokenAccount)));
    expect(after).toEqual([(paidBalances[0] ?? 0n) + 100n, (paidBalances[1] ?? 0n) + 201n]);
    expect(await balance(fx.vault)).toBe(3_033n - 301n);

    expect((await t.state(MODEL, EPOCH)).released).toBe(false);
    await t.release(MODEL, EPOCH);
    // released = 3,033 − 301 = 2,732; the Solana payee (index 1, 30 %) gets floor(819.6) = 819.
    const payeeAccount = associatedTokenAccount(payee, fx.mint);
    expect(await balance(payeeAccount)).toBe(819n);
    expect(await t.state(MODEL, EPOCH)).toEqual({ verdictApplied: true, refundsDone: true, released: true });
    expect(await t.release(MODEL, EPOCH)).toEqual({ transaction: "" });
    expect(await balance(payeeAccount)).toBe(819n);
    expect(await t.nettingPosition(MODEL, EPOCH)).toMatchObject({
      paid: 3_033n,
      refunded: 301n,
      released: 2_732n,
      paidLocally: 819n,
      heldForOtherChains: 2_732n - 819n,
      refundsDone: true,
      payoutsDone: true,
    });
    expect(await balance(fx.vault)).toBe(3_033n - 301n - 819n);
  });

  it("its netting payer pays a netted share once from the same vault, and the settlement still reads as done", async () => {
    const t = target();
    const netPayee = Keypair.generate().publicKey;
    const solanaPayouts = [{ chain: SOLANA_CHAIN_ID, account: netPayee.toBase58(), amount: "700" }];
    const vaultBefore = await balance(fx.vault);
    const first = await t.nettingPayer().pay({ modelId: MODEL, epoch: EPOCH, solanaPayouts });
    expect(first.paid.map((p) => p.amount)).toEqual(["700"]);
    const again = await t.nettingPayer().pay({ modelId: MODEL, epoch: EPOCH, solanaPayouts });
    expect(again).toEqual({ paid: [], alreadyPaid: first.paid });
    expect(await balance(associatedTokenAccount(netPayee, fx.mint))).toBe(700n);
    expect(await balance(fx.vault)).toBe(vaultBefore - 700n);
    expect(await t.state(MODEL, EPOCH)).toEqual({ verdictApplied: true, refundsDone: true, released: true });
    expect(await t.release(MODEL, EPOCH)).toEqual({ transaction: "" });
    expect((await leases.get(`solana:vault-send:${MODEL}:${EPOCH}`))?.state).toBe("idle");
  });
});
