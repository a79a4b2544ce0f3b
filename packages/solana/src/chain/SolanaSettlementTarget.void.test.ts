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

const MODEL = 9n;
const SCAN = "solana:vault-scan:void-test";
const EPOCH_MS = 10_000;
const model: DeploymentManifest["models"][number] = {
  modelId: "9",
  homeChainId: 31_338,
  genesis: 0,
  epochSeconds: 10,
  hostName: "test",
  hostUrl: "http://127.0.0.1:1",
  pricePerRequest: "1",
};
/** The first second of epoch `e + 1 + 2` (the default grace): the void opens then. */
const graceEnd = (epoch: bigint) => Number(epoch + 3n) * EPOCH_MS;

describe("no verdict, no lock-in: an epoch without a verdict within its grace is voided and refunded in full", () => {
  let world: SolanaTestWorld;
  const payments = new MemoryPaymentStore();
  const cursors = new MemoryCursorStore();
  const leases = new MemorySendLeaseStore();
  const payee = Keypair.generate().publicKey;
  const payees: SplitEntry[] = [
    { chain: 31_338, account: `0x${"00".repeat(31)}01`, shareBps: 6_000 },
    { chain: SOLANA_CHAIN_ID, account: `0x${Buffer.from(payee.toBytes()).toString("hex")}`, shareBps: 4_000 },
  ];
  /** What the verdict source has verified, per epoch (a late verdict is set while a test runs). */
  const verdicts = new Map<bigint, number>();
  let nowMs = 0;
  let sends = 0;
  let crashAfterSends: number | undefined;

  const target = (grace?: number) => {
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
          if (crashAfterSends !== undefined && sends >= crashAfterSends) throw new Error("crashed before sending");
          const sent = await sender.send(...args);
          sends++;
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
          const refundBps = verdicts.get(epoch);
          if (refundBps === undefined) return undefined;
          return {
            modelId,
            epoch,
            refundBps,
            reportHash: `0x${"ab".repeat(32)}`,
            topUp: 0n,
            vaaId: `10003/${"00".repeat(32)}/${epoch}`,
            vaaHash: `0x${"cd".repeat(32)}`,
          };
        },
      },
      ...(grace === undefined ? {} : { verdictGraceEpochs: async () => grace }),
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
  async function pay(i: number, epoch: bigint, amount: bigint): Promise<Hex> {
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
    return paymentId;
  }
  const balances = () =>
    Promise.all(
      [buyer(0).tokenAccount, buyer(1).tokenAccount, buyer(2).tokenAccount, world.fx.vault].map((a) =>
        tokenBalance(world, a),
      ),
    );
  const payeeBalance = () => tokenBalance(world, associatedTokenAccount(payee, world.fx.mint)).catch(() => 0n);
  /** What pushRefunds does for a refund job (the sweep's or the verdict's): refund until the state says done. */
  async function refundJob(t: SolanaSettlementTarget, epoch: bigint) {
    for (let i = 0; i < 10 && !(await t.state(MODEL, epoch)).refundsDone; i++) await t.refundNext(MODEL, epoch, 2);
  }
  const outflowsOf = async (epoch: bigint) => {
    const found = await readVaultOutflows(world.connection, world.fx.vault, { match: (m) => m.epoch === epoch });
    return [...found.values()].map((o) => `${o.memo.kind}:${o.amount}`).sort();
  };

  beforeAll(async () => {
    world = await startSolanaTestWorld(3);
    // The vault watch completed a pass long after every epoch of these tests ended.
    await cursors.advance({ id: SCAN, block: BigInt(Date.now()), blockHash: "scan", version: 1 }, undefined);
  });
  afterAll(() => world.close());

  it("voids the epoch once its grace passed with no verdict and refunds every buyer in full, once", async () => {
    const epoch = 100n;
    await pay(0, epoch, 1_000n);
    await pay(1, epoch, 2_000n);
    await pay(2, epoch, 3_000n);
    const before = await balances();

    nowMs = graceEnd(epoch) - 1;
    expect(await target().state(MODEL, epoch)).toEqual({ verdictApplied: false, refundsDone: false, released: false });
    await expect(target().refundNext(MODEL, epoch, 2)).rejects.toThrow(/no verified verdict/);
    nowMs = graceEnd(epoch);
    // The model's own grace counts: with 5 epochs of grace it is not over yet.
    expect((await target(5).state(MODEL, epoch)).verdictApplied).toBe(false);

    const t = target();
    expect(await t.state(MODEL, epoch)).toEqual({ verdictApplied: true, refundsDone: false, released: false });
    await refundJob(t, epoch);
    expect(await t.state(MODEL, epoch)).toEqual({ verdictApplied: true, refundsDone: true, released: true });
    expect(await t.refundNext(MODEL, epoch, 2)).toEqual({ transaction: "" });
    expect(await t.release(MODEL, epoch)).toEqual({ transaction: "" });

    const after = await balances();
    expect(after.map((a, i) => a - (before[i] ?? 0n))).toEqual([1_000n, 2_000n, 3_000n, -6_000n]);
    expect(await outflowsOf(epoch)).toEqual(["refund:1000", "refund:2000", "refund:3000", "void:0"]);
    const position = await t.nettingPosition(MODEL, epoch);
    expect(position).toMatchObject({ voided: true, verdict: undefined, released: 0n, heldForOtherChains: 0n });
    expect(position?.payouts).toEqual([]);
    expect(await t.reserve()).toBe(0n);
  });

  it("ignores a verdict arriving after the void: no payouts, no second refund", async () => {
    const epoch = 200n;
    await pay(0, epoch, 4_000n);
    await pay(1, epoch, 500n);
    nowMs = graceEnd(epoch) + EPOCH_MS;
    const before = await balances();
    const payeeBefore = await payeeBalance();
    await refundJob(target(), epoch);

    verdicts.set(epoch, 2_500); // the home chain's verdict reaches Solana late
    const t = target();
    expect(await t.state(MODEL, epoch)).toEqual({ verdictApplied: true, refundsDone: true, released: true });
    expect(await t.refundNext(MODEL, epoch, 2)).toEqual({ transaction: "" });
    expect(await t.release(MODEL, epoch)).toEqual({ transaction: "" });
    expect(await t.claimCredits(MODEL, epoch)).toEqual({ transaction: "" });

    const after = await balances();
    expect(after.map((a, i) => a - (before[i] ?? 0n))).toEqual([4_000n, 500n, 0n, -4_500n]);
    expect(await payeeBalance()).toBe(payeeBefore);
    expect(await outflowsOf(epoch)).toEqual(["refund:4000", "refund:500", "void:0"]);
    expect(await t.nettingPosition(MODEL, epoch)).toMatchObject({ voided: true, released: 0n, refunded: 4_500n });
  });

  it("applies a verdict that arrived before the grace ended normally, and never voids it afterwards", async () => {
    const epoch = 300n;
    await pay(0, epoch, 1_000n);
    await pay(2, epoch, 3_000n);
    verdicts.set(epoch, 5_000);
    nowMs = graceEnd(epoch) - EPOCH_MS;
    const before = await balances();
    const payeeBefore = await payeeBalance();
    const t = target();
    await refundJob(t, epoch);
    await t.release(MODEL, epoch);
    expect(await t.state(MODEL, epoch)).toEqual({ verdictApplied: true, refundsDone: true, released: true });

    const after = await balances();
    // 50 % back; of the 2,000 released the Solana payee takes 40 %, the rest stays for the other chain's payee.
    expect(after.map((a, i) => a - (before[i] ?? 0n))).toEqual([500n, 0n, 1_500n, -2_800n]);
    expect(await payeeBalance()).toBe(payeeBefore + 800n);

    // Later, past the grace, the verdict cannot be read (say its pointer is lost): what a verdict paid is never voided.
    nowMs = graceEnd(epoch) + 10 * EPOCH_MS;
    verdicts.delete(epoch);
    const late = target();
    expect((await late.state(MODEL, epoch)).verdictApplied).toBe(false);
    await expect(late.refundNext(MODEL, epoch, 2)).rejects.toThrow(/no verified verdict/);
    expect(await outflowsOf(epoch)).toEqual(["payout:800", "refund:1500", "refund:500"]);
  });

  it("resumes after a crash between the void memo and the refunds without paying anyone twice", async () => {
    const epoch = 400n;
    await pay(0, epoch, 700n);
    await pay(1, epoch, 800n);
    await pay(2, epoch, 900n);
    nowMs = graceEnd(epoch);
    const before = await balances();
    const payeeBefore = await payeeBalance();

    sends = 0;
    crashAfterSends = 1; // the void memo lands, the process dies before the first refund
    await expect(target().refundNext(MODEL, epoch, 2)).rejects.toThrow(/crashed/);
    crashAfterSends = undefined;
    expect(await outflowsOf(epoch)).toEqual(["void:0"]);
    expect(await balances()).toEqual(before);

    verdicts.set(epoch, 1_000); // and meanwhile a verdict arrived: the void still holds
    const t = target();
    expect(await t.state(MODEL, epoch)).toEqual({ verdictApplied: true, refundsDone: false, released: false });
    await refundJob(t, epoch);
    await refundJob(target(), epoch);
    await t.release(MODEL, epoch);
    expect(await t.state(MODEL, epoch)).toEqual({ verdictApplied: true, refundsDone: true, released: true });

    const after = await balances();
    expect(after.map((a, i) => a - (before[i] ?? 0n))).toEqual([700n, 800n, 900n, -2_400n]);
    expect(await payeeBalance()).toBe(payeeBefore);
    expect(await outflowsOf(epoch)).toEqual(["refund:700", "refund:800", "refund:900", "void:0"]);
  });
});
