import { type DeploymentManifest, type Hex, SOLANA_CHAIN_ID } from "@slabridge/core";
import { MemoryCursorStore, MemoryPaymentStore, MemorySendLeaseStore } from "@slabridge/store";
import { Keypair } from "@solana/web3.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatSlabridgeMemo } from "../memo/formatSlabridgeMemo.ts";
import { solanaPaymentId } from "../memo/solanaPaymentId.ts";
import { associatedTokenAccount } from "../multisig/buildVaultTransferBatch.ts";
import { readVaultOutflows } from "../multisig/readVaultOutflows.ts";
import { SolanaSender } from "../sender/SolanaSender.ts";
import type { SplitEntry } from "../settlement/planSolanaSettlement.ts";
import { payVault, type SolanaTestWorld, startSolanaTestWorld, tokenBalance } from "../testing/solanaTestWorld.ts";
import { SolanaSettlementTarget } from "./SolanaSettlementTarget.ts";
import type { SolanaVerdict } from "./SolanaVerdictSource.ts";

const MODEL = 11n;
const SCAN = "solana:vault-scan:top-up-test";
const EPOCH_MS = 10_000;
const model: DeploymentManifest["models"][number] = {
  modelId: "11",
  homeChainId: 31_338,
  genesis: 0,
  epochSeconds: 10,
  hostName: "test",
  hostUrl: "http://127.0.0.1:1",
  pricePerRequest: "1",
};
/** The first second of epoch `e + 1 + 2` (the default grace): an epoch without a verdict is void from then. */
const graceEnd = (epoch: bigint) => Number(epoch + 3n) * EPOCH_MS;

/** The cumulative rule written out again, apart from the code under test: shares of `topUp` in paymentId order. */
function expectedShares(topUp: bigint, payments: readonly { paymentId: Hex; amount: bigint }[]): Map<Hex, bigint> {
  const sorted = [...payments].sort((a, b) => (a.paymentId.toLowerCase() < b.paymentId.toLowerCase() ? -1 : 1));
  const total = sorted.reduce((sum, p) => sum + p.amount, 0n);
  const shares = new Map<Hex, bigint>();
  let cum = 0n;
  for (const p of sorted) {
    const before = (topUp * cum) / total;
    cum += p.amount;
    shares.set(p.paymentId, (topUp * cum) / total - before);
  }
  return shares;
}

describe("a verdict's bond top-up on Solana: each buyer gets its refund plus its share, once", () => {
  let world: SolanaTestWorld;
  const payments = new MemoryPaymentStore();
  const cursors = new MemoryCursorStore();
  const leases = new MemorySendLeaseStore();
  const payee = Keypair.generate().publicKey;
  const payees: SplitEntry[] = [
    { chain: 31_338, account: `0x${"00".repeat(31)}01`, shareBps: 6_000 },
    { chain: SOLANA_CHAIN_ID, account: `0x${Buffer.from(payee.toBytes()).toString("hex")}`, shareBps: 4_000 },
  ];
  /** The verified verdict per epoch (refund share and top-up), set while a test runs. */
  const verdicts = new Map<bigint, { refundBps: number; topUp: bigint }>();
  let nowMs = 0;
  let sends = 0;
  /** Sends that land and then "crash" the worker (throw) once `sends` reaches it: the vault paid, nothing else ran. */
  let crashAfterLanding: number | undefined;

  const target = () => {
    const sender = new SolanaSender({
      connection: world.connection,
      payer: world.feePayer,
      priorityFee: { microLamports: 1_000, bumpFactor: 2, max: 50_000 },
      confirmTimeoutMs: 10_000,
      pollIntervalMs: 20,
    });
    return new SolanaSettlementTarget({
      chainId: SOLANA_CHAIN_ID,
      connection: world.connection,
      sender: {
        send: async (...args: Parameters<SolanaSender["send"]>) => {
          const sent = await sender.send(...args);
          sends++;
          if (crashAfterLanding !== undefined && sends >= crashAfterLanding) throw new Error("crashed after landing");
          return sent;
        },
      },
      feePayer: world.feePayer.publicKey,
      operators: world.operators.slice(0, 2),
      vault: world.fx.vault,
      multisig: world.fx.multisig,
      mint: world.fx.mint,
      decimals: world.fx.decimals,
      payments,
      cursors,
      leases,
      verdicts: {
        verified: async (modelId, epoch): Promise<SolanaVerdict | undefined> => {
          const verdict = verdicts.get(epoch);
          if (verdict === undefined) return undefined;
          return {
            modelId,
            epoch,
            ...verdict,
            reportHash: `0x${"ab".repeat(32)}`,
            vaaId: `10003/${"00".repeat(32)}/${epoch}`,
            vaaHash: `0x${"cd".repeat(32)}`,
          };
        },
      },
      payees: async () => payees,
      models: [model],
      vaultScanCursorId: SCAN,
      now: () => nowMs,
    });
  };

  const buyer = (i: number) => {
    const b = world.fx.buyers[i];
    if (!b) throw new Error(`no buyer ${i}`);
    return b;
  };
  async function pay(i: number, epoch: bigint, amount: bigint): Promise<{ paymentId: Hex; amount: bigint }> {
    const memo = formatSlabridgeMemo({ kind: "pay", modelId: MODEL, ref: "ab".repeat(8) });
    const signature = await payVault(world, i, [amount], memo);
    const paymentId = solanaPaymentId(signature, { instructionIndex: 0 });
    await payments.record({
      chainId: SOLANA_CHAIN_ID,
      modelId: MODEL,
      epoch,
      paymentId,
      buyer: buyer(i).keypair.publicKey.toBase58(),
      amount,
      transaction: signature,
      block: 1n,
      blockHash: signature,
      observedAt: Date.now(),
    });
    return { paymentId, amount };
  }
  /** Buyers 0, 1, 2, then the vault. */
  const balances = () =>
    Promise.all(
      [buyer(0).tokenAccount, buyer(1).tokenAccount, buyer(2).tokenAccount, world.fx.vault].map((a) =>
        tokenBalance(world, a),
      ),
    );
  const deltas = async (before: readonly bigint[]) => (await balances()).map((a, i) => a - (before[i] ?? 0n));
  const payeeBalance = () => tokenBalance(world, associatedTokenAccount(payee, world.fx.mint)).catch(() => 0n);
  /** What a refund job does: refund until the state says done. */
  async function refundJob(t: SolanaSettlementTarget, epoch: bigint, perTransaction = 2) {
    for (let i = 0; i < 10 && !(await t.state(MODEL, epoch)).refundsDone; i++) {
      await t.refundNext(MODEL, epoch, perTransaction);
    }
  }
  const refundsOf = async (epoch: bigint) => {
    const found = await readVaultOutflows(world.connection, world.fx.vault, { match: (m) => m.epoch === epoch });
    return new Map(
      [...found.values()].flatMap((o) => (o.memo.kind === "refund" ? [[o.memo.paymentId, o.amount]] : [])),
    );
  };

  beforeAll(async () => {
    world = await startSolanaTestWorld(3);
    // The vault watch completed a pass long after every epoch of these tests ended.
    await cursors.advance({ id: SCAN, block: BigInt(Date.now()), blockHash: "scan", version: 1 }, undefined);
  });
  afterAll(() => world.close());

  it("pays each buyer floor(amount × refundBps / 10,000) plus its share of the top-up, with exact balances", async () => {
    const epoch = 100n;
    const paid = [await pay(0, epoch, 1_005n), await pay(1, epoch, 2_019n), await pay(2, epoch, 9n)];
    verdicts.set(epoch, { refundBps: 1_000, topUp: 1_001n });
    nowMs = graceEnd(epoch) - EPOCH_MS;
    const before = await balances();
    const shares = expectedShares(1_001n, paid);
    const owed = paid.map((p) => p.amount / 10n + (shares.get(p.paymentId) ?? 0n));

    const t = target();
    await refundJob(t, epoch);
    expect(await t.state(MODEL, epoch)).toEqual({ verdictApplied: true, refundsDone: true, released: false });
    // The shares sum to the whole top-up; the 9 paid refunds floor(0.9) = 0 and still gets its share.
    expect([...shares.values()].reduce((s, x) => s + x, 0n)).toBe(1_001n);
    expect(shares.get(paid[2]?.paymentId ?? "0x")).toBeGreaterThan(0n);
    expect(await deltas(before)).toEqual([...owed, -(301n + 1_001n)]);
    const refunds = await refundsOf(epoch);
    expect(paid.map((p) => refunds.get(p.paymentId))).toEqual(owed);

    // The top-up is not revenue: the release and the Solana payee's share (the last entry: it takes the dust) are
    // what they were without it.
    await t.release(MODEL, epoch);
    expect(await payeeBalance()).toBe(2_732n - (2_732n * 6n) / 10n);
    expect(await t.nettingPosition(MODEL, epoch)).toMatchObject({
      paid: 3_033n,
      refunded: 301n,
      topUp: 1_001n,
      released: 2_732n,
      refundsDone: true,
      payoutsDone: true,
    });
  });

  it("resumes after a crash right after a refund landed and pays nobody twice, top-up included", async () => {
    const epoch = 200n;
    const paid = [await pay(0, epoch, 700n), await pay(1, epoch, 800n), await pay(2, epoch, 900n)];
    verdicts.set(epoch, { refundBps: 2_500, topUp: 601n });
    nowMs = graceEnd(epoch) - EPOCH_MS;
    const before = await balances();
    const shares = expectedShares(601n, paid);
    const owed = paid.map((p) => (p.amount * 2_500n) / 10_000n + (shares.get(p.paymentId) ?? 0n));

    sends = 0;
    crashAfterLanding = 1; // the first refund lands, then the worker dies before it learns so
    await expect(target().refundNext(MODEL, epoch, 1)).rejects.toThrow(/crashed after landing/);
    crashAfterLanding = undefined;
    expect((await refundsOf(epoch)).size).toBe(1);

    // A new worker, then a second full run and a stray retry: each payment's refund + share left exactly once.
    await refundJob(target(), epoch, 1);
    await refundJob(target(), epoch);
    const t = target();
    expect(await t.refundNext(MODEL, epoch, 10)).toEqual({ transaction: "" });
    expect(await t.state(MODEL, epoch)).toMatchObject({ refundsDone: true });
    expect(await deltas(before)).toEqual([...owed, -(600n + 601n)]);
    const refunds = await refundsOf(epoch);
    expect(paid.map((p) => refunds.get(p.paymentId))).toEqual(owed);
  });

  it("keeps the top-up still owed in the reserve, so netting cannot spend it, until the refunds are out", async () => {
    const epoch = 300n;
    await pay(0, epoch, 1_000n);
    await pay(1, epoch, 3_000n);
    nowMs = graceEnd(epoch) - EPOCH_MS; // epochs 100 and 200 are past the reserve's lookback
    const t = target();
    expect(await t.reserve()).toBe(4_000n); // no verdict yet: everything the buyers paid

    verdicts.set(epoch, { refundBps: 2_500, topUp: 500n });
    // Refunds 1,000, the top-up 500, and the Solana payee's 40 % of the 3,000 released.
    expect(await t.reserve()).toBe(1_000n + 500n + 1_200n);
    const vault = (await balances())[3] ?? 0n;
    // A netting round owing what would be free if the top-up were not counted waits instead of spending it.
    const netPayee = Keypair.generate().publicKey;
    const netted = [{ chain: SOLANA_CHAIN_ID, account: netPayee.toBase58(), amount: `${vault - 2_200n}` }];
    await expect(t.nettingPayer().pay({ modelId: MODEL, epoch, solanaPayouts: netted })).rejects.toMatchObject({
      name: "NettingVaultNotReadyError",
    });
    expect((await balances())[3]).toBe(vault);

    await refundJob(t, epoch);
    expect(await t.reserve()).toBe(1_200n);
    await t.release(MODEL, epoch);
    expect(await t.reserve()).toBe(0n);
    expect((await balances())[3]).toBe(vault - 1_500n - 1_200n);
  });

  it("ignores the top-up of a verdict that arrives after the epoch was voided", async () => {
    const epoch = 400n;
    await pay(0, epoch, 700n);
    await pay(1, epoch, 800n);
    nowMs = graceEnd(epoch);
    const before = await balances();
    await refundJob(target(), epoch);

    verdicts.set(epoch, { refundBps: 2_500, topUp: 900n });
    const t = target();
    expect(await t.state(MODEL, epoch)).toEqual({ verdictApplied: true, refundsDone: true, released: true });
    expect(await t.refundNext(MODEL, epoch, 10)).toEqual({ transaction: "" });
    expect(await deltas(before)).toEqual([700n, 800n, 0n, -1_500n]);
    expect(await t.nettingPosition(MODEL, epoch)).toMatchObject({ voided: true, topUp: 0n, refunded: 1_500n });
    expect(await t.reserve()).toBe(0n);
  });

  it("waits, sending nothing, while the vault cannot advance the top-up, then pays it to the unit once funded", async () => {
    const epoch = 500n;
    const paid = [await pay(0, epoch, 2_000n), await pay(1, epoch, 1_000n)];
    nowMs = graceEnd(epoch) - EPOCH_MS; // earlier epochs are past the reserve's lookback
    const vault = (await balances())[3] ?? 0n;
    // Refunds of 50 % are 1,500 and the Solana payee's 40 % of the 1,500 released is 600; the top-up is the rest of
    // the vault plus 1: one unit short of all the vault owes.
    const topUp = vault - 1_500n - 600n + 1n;
    verdicts.set(epoch, { refundBps: 5_000, topUp });
    const t = target();
    const before = await balances();
    const payeeBefore = await payeeBalance();
    expect(await t.reserve()).toBe(vault + 1n);
    sends = 0;
    await expect(t.refundNext(MODEL, epoch, 10)).rejects.toMatchObject({ name: "NotReadyError", retryable: true });
    expect(sends).toBe(0);
    expect(await balances()).toEqual(before);

    await payVault(world, 2, [1n], undefined); // the vault gets the unit it lacked
    await refundJob(t, epoch);
    await t.release(MODEL, epoch);
    const shares = expectedShares(topUp, paid);
    const owed = paid.map((p) => p.amount / 2n + (shares.get(p.paymentId) ?? 0n));
    expect(await deltas(before)).toEqual([...owed, -1n, -vault]);
    expect(await payeeBalance()).toBe(payeeBefore + 600n);
    expect((await balances())[3]).toBe(0n);
    expect(await t.reserve()).toBe(0n);
  });
});
