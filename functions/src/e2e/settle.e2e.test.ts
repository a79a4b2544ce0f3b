import { jobIds } from "@slabridge/core";
import { demoMeasurements, devnetPaymentChainRoutes, epochsOf } from "@slabridge/devnet/testing";
import { describe, expect, it } from "vitest";
import { botHarnessForSuite, settlementJob } from "./testing/botHarness.ts";

const A = 31_337;
const B = 31_338;
const MODEL = 2n; // the slowP95 demo host: p95 900 ms against a 500 ms SLA
const bot = botHarnessForSuite({
  devnet: { epochSeconds: 3, hosts: ["healthy", "slowP95"] },
  // Two refunds per transaction (the default): three payments take two refund batches.
  stage: { routes: devnetPaymentChainRoutes(A, B, "layerzero") },
});

describe("settlement on the devnet: verdict over LayerZero, refunds in batches, release once", () => {
  it("refunds each buyer its share exactly once and releases the rest once, whatever is replayed", async () => {
    const { scenario } = bot;
    const w = bot.world();
    const payments = await scenario.payEach(A, MODEL, [3n, 2n, 1n]);
    const [e, ...more] = epochsOf(payments);
    expect(more).toEqual([]); // one epoch
    if (!e) throw new Error("no payment");
    const { epoch } = e;
    const balances = () => Promise.all(payments.map((p) => scenario.balanceOf(A, p.buyer)));
    const before = await balances();
    await scenario.passEpochs([e]);

    // A refund job before the verdict waits without spending an attempt (a side store: the real job comes from
    // the watcher below).
    const refundId = jobIds.refund({ chainId: A, modelId: MODEL, epoch });
    const settleId = jobIds.settle({ chainId: A, modelId: MODEL, epoch });
    const job = (kind: "refund" | "settle") => settlementJob(kind, e, { transport: "layerzero", now: w.clock.now() });
    const [early] = await bot.replayIntoEmptyStore(w, [job("refund")]);
    expect(early).toMatchObject({ result: "waiting", attempts: 0 });

    const { refundBps } = await scenario.recordVerdict(MODEL, epoch, { measured: demoMeasurements.breachingP95 });
    expect(refundBps).toBe(2_500); // latency breach per the demo terms
    expect((await scenario.verdictOf(MODEL, epoch)).refundBps).toBe(refundBps);
    await scenario.publishVerdict(MODEL, epoch, A);

    // watchEvm on evm-b turns the verdict packet into a deliver-message job, the relay delivers it over LayerZero to
    // evm-a's escrow; watchEvm on evm-a sees VerdictApplied and creates the refund job and the settle job, which the
    // relay drains (the settle job waits for the refunds, releases, then publishes the payouts).
    await bot.drive(w, 4);
    expect((await scenario.epochRecord(e)).refundBps).toBe(2_500);
    const verdictLogs = await scenario.escrowEvents(e, "VerdictApplied");
    expect(verdictLogs).toHaveLength(1);
    for (const id of [refundId, settleId]) {
      expect((await bot.stores.jobs.get(id))?.source.transaction).toBe(verdictLogs[0]?.transactionHash);
    }
    await expectConfirmed(refundId);

    // The same verdict observed again creates neither job twice; the settle job releases the rest once.
    expect(await w.engine.ingest(job("settle"))).toBe("exists");
    await bot.drive(w, 2);
    await expectConfirmed(settleId);

    const after = await balances();
    for (const [i, p] of payments.entries()) {
      expect(after[i]).toBe((before[i] ?? 0n) + (p.amount * BigInt(refundBps)) / 10_000n);
    }
    const settled = await scenario.epochRecord(e);
    expect(settled.refundCursor).toBe(settled.count);
    expect(settled.count).toBe(3);
    expect(settled.refunded).toBe(payments.reduce((sum, p) => sum + (p.amount * 2_500n) / 10_000n, 0n));
    expect(settled.status).toBe(2); // released
    // Three payments, at most two refunds per transaction: two refund transactions, one release.
    const refunds = await scenario.escrowEvents(e, "Refunded");
    expect(refunds).toHaveLength(3);
    expect(new Set(refunds.map((log) => log.transactionHash)).size).toBe(2);
    expect(await scenario.escrowEvents(e, "Released")).toHaveLength(1);

    // Replays: the same jobs re-queued, and the same work ingested into an empty store, change no balance.
    bot.send(refundId, settleId);
    await bot.drive(w, 1);
    const replayed = await bot.replayIntoEmptyStore(w, [job("refund"), job("settle")]);
    // Confirmed by asking the escrow, with nothing sent.
    expect(replayed).toMatchObject([
      { id: refundId, result: "confirmed", alreadyDone: true },
      { id: settleId, result: "confirmed", alreadyDone: true },
    ]);
    expect(await balances()).toEqual(after);
    expect(await scenario.epochRecord(e)).toEqual(settled);
    expect(await scenario.escrowEvents(e, "Refunded")).toHaveLength(3);
    expect(await scenario.escrowEvents(e, "Released")).toHaveLength(1);
    expect(await bot.jobsIn("dead-lettered")).toEqual([]);
  }, 180_000);
});

async function expectConfirmed(jobId: string): Promise<void> {
  const job = await bot.stores.jobs.get(jobId);
  expect(job?.status, `${jobId}: ${job && "reason" in job ? job.reason : ""}`).toBe("confirmed");
}
