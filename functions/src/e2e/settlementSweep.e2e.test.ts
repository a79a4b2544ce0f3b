import { jobIds } from "@slabridge/core";
import { demoMeasurements, devnetPaymentChainRoutes, epochsOf } from "@slabridge/devnet/testing";
import { MemoryCursorStore, MemoryJobStore } from "@slabridge/store";
import { describe, expect, it } from "vitest";
import { createRefundSweepHandler } from "../refund.ts";
import { createSettleSweepHandler } from "../settle.ts";
import { botHarnessForSuite } from "./testing/botHarness.ts";

// The settlement sweeps as a safety net: the escrow applied a verdict, but the watcher that should have turned it
// into refund and settle jobs lost its writes (a crash between reading the log and storing the jobs, a lost table).
// The refund and settle schedules find the epoch from the chain state alone, create the jobs and the relay settles.

const A = 31_337;
const B = 31_338;
const MODEL = 2n; // the slowP95 demo host: p95 900 ms against a 500 ms SLA
const bot = botHarnessForSuite({
  devnet: { epochSeconds: 3, hosts: ["healthy", "slowP95"] },
  stage: { routes: devnetPaymentChainRoutes(A, B, "layerzero") },
});

describe("settlement sweeps on the devnet", () => {
  it("settle an epoch whose refund and settle jobs the watcher lost, once, and then find nothing to do", async () => {
    const { scenario } = bot;
    const payments = await scenario.payEach(A, MODEL, [3n, 2n, 1n]);
    const [e, ...more] = epochsOf(payments);
    expect(more).toEqual([]); // one epoch
    if (!e) throw new Error("no payment");
    const { epoch } = e;
    const balances = () => Promise.all(payments.map((p) => scenario.balanceOf(A, p.buyer)));
    const before = await balances();
    await scenario.passEpochs([e]);
    const { refundBps } = await scenario.recordVerdict(MODEL, epoch, { measured: demoMeasurements.breachingP95 });
    expect(refundBps).toBe(2_500);
    expect((await scenario.verdictOf(MODEL, epoch)).refundBps).toBe(refundBps);
    await scenario.publishVerdict(MODEL, epoch, A);

    // A watcher whose job and cursor writes are lost: it sees the verdict packet on the home chain and delivers it to
    // the payment chain's escrow, but none of its jobs reach the real store, and nobody watches the escrow.
    const lost = bot.world({ stores: { jobs: new MemoryJobStore(), cursors: new MemoryCursorStore() } });
    for (let round = 0; round < 6 && (await scenario.epochRecord(e)).status === 0; round++) {
      await scenario.mine();
      await lost.chains.get(scenario.homeChainId)?.watch();
      for (const status of ["observed", "finalized", "submitted", "failed"] as const) {
        for (const job of await lost.stores.jobs.listByStatus(status)) await lost.engine.process(job.id);
      }
      await new Promise((resolve) => setTimeout(resolve, 120));
    }
    expect((await scenario.epochRecord(e)).refundBps).toBe(2_500);
    bot.runtime.queue("relay").purge(); // the lost watcher's queue messages name jobs no store has
    const refundId = jobIds.refund({ chainId: A, modelId: MODEL, epoch });
    const settleId = jobIds.settle({ chainId: A, modelId: MODEL, epoch });
    expect(await bot.stores.jobs.get(refundId)).toBeUndefined();
    expect(await bot.stores.jobs.get(settleId)).toBeUndefined();

    // The sweeps run on the chain's clock (ahead of the wall clock here: the test moved it past the epoch's end).
    const chainNow = Number((await scenario.client(A).getBlock()).timestamp) * 1_000;
    const w = bot.world({ clock: { now: () => chainNow + 1_000 } });
    const refundSweep = createRefundSweepHandler(async () => w);
    const settleSweep = createSettleSweepHandler(async () => w);

    const refunds = await refundSweep();
    expect(refunds.failures).toEqual([]);
    expect(refunds.jobs).toEqual([
      { chainId: A, modelId: `${MODEL}`, epoch: `${epoch}`, jobId: refundId, action: "created" },
    ]);
    // Run again before the relay got to it: the same job, queued again, not created twice.
    expect((await refundSweep()).jobs.map((j) => j.action)).toEqual(["queued"]);
    await bot.drain(w);
    expect((await bot.stores.jobs.get(refundId))?.status).toBe("confirmed");
    const refunded = await scenario.epochRecord(e);
    expect(refunded.refundCursor).toBe(refunded.count);
    expect(refunded.status).not.toBe(2); // refunds done, not released yet
    expect((await refundSweep()).jobs).toEqual([]);

    const settles = await settleSweep();
    expect(settles.jobs).toEqual([
      { chainId: A, modelId: `${MODEL}`, epoch: `${epoch}`, jobId: settleId, action: "created" },
    ]);
    await bot.drain(w);
    expect((await bot.stores.jobs.get(settleId))?.status).toBe("confirmed");
    expect((await scenario.epochRecord(e)).status).toBe(2); // released
    expect((await settleSweep()).jobs).toEqual([]);
    expect((await refundSweep()).jobs).toEqual([]);

    const after = await balances();
    for (const [i, p] of payments.entries()) {
      expect(after[i]).toBe((before[i] ?? 0n) + (p.amount * BigInt(refundBps)) / 10_000n);
    }
    expect(await scenario.escrowEvents(e, "Refunded")).toHaveLength(3);
    expect(await bot.jobsIn("dead-lettered")).toEqual([]);
  }, 180_000);
});
