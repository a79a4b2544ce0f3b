import { jobIds } from "@slabridge/core";
import type { DemoPayment } from "@slabridge/devnet";
import { demoMeasurements, devnetEvmRoutes, type EpochOnChain, epochsOf } from "@slabridge/devnet/testing";
import { type Address, getAddress, slice } from "viem";
import { describe, expect, it } from "vitest";
import { botHarnessForSuite, settlementJob } from "./testing/botHarness.ts";

const HEALTHY = 1n;
const BREACHING = 2n; // the slowP95 demo host: p95 900 ms against a 500 ms SLA
const A = 31_337;
const B = 31_338;
const bot = botHarnessForSuite({
  devnet: { epochSeconds: 3, hosts: ["healthy", "slowP95"] },
  // As config/devnet.json: evm-a over LayerZero, the home chain's own escrow over Wormhole self-delivery.
  stage: { routes: devnetEvmRoutes(A, B), retry: { maxAttempts: 8 } },
  maxReceiveCount: 8,
});

const measuredFor = (model: bigint) => (model === BREACHING ? demoMeasurements.breachingP95 : demoMeasurements.healthy);
const paidIn = (payments: readonly DemoPayment[], e: EpochOnChain) =>
  payments.filter((p) => p.chainId === e.chainId && p.modelId === e.model && p.epoch === e.epoch);

describe("payouts on the devnet: buyers on evm-a and on the home chain, refunds, release, payouts with netting", () => {
  it("refunds each buyer on its chain, releases once, pays every payee its share once (netting vault for the rest)", async () => {
    const { scenario } = bot;
    const w = bot.world();
    // A first watch pass: a fresh bot relays receipts from the last ended epoch on (its epoch cursors start here).
    await bot.drive(w, 1);
    const payments: DemoPayment[] = [];
    for (const chainId of [A, B]) {
      payments.push(...(await scenario.payEach(chainId, BREACHING, [3n, 2n, 1n])));
      payments.push(await scenario.pay(chainId, HEALTHY, 2, 4n));
    }
    const epochs = epochsOf(payments);
    // Balances of everyone involved, before anything settles.
    const accounts = new Map<number, Address[]>();
    for (const chainId of [A, B]) {
      const list = [scenario.buyer(0), scenario.buyer(1), scenario.buyer(2), scenario.nettingVault(chainId)];
      for (const e of epochs) {
        for (const payee of await scenario.payeesOf(e.model, e.epoch)) {
          if (payee.chain === chainId) list.push(getAddress(slice(payee.account, 12)));
        }
      }
      accounts.set(chainId, [...new Set(list)]);
    }
    const before = await scenario.balances(accounts);

    // Every epoch ends on both chains (each anvil has its own clock; the home registry's clock is evm-b's).
    await scenario.passEpochs(epochs);

    // Receipts relay home through the handlers: evm-a over LayerZero, the home escrow over Wormhole self-delivery.
    // Until every epoch's revenue is home (a fixed number of rounds is not enough on a loaded machine).
    const revenueHome = async () =>
      (
        await Promise.all(
          epochs.map(
            async (e) =>
              (await scenario.revenue(e.model, e.epoch, e.chainId)).total ===
              paidIn(payments, e).reduce((sum, p) => sum + p.amount, 0n),
          ),
        )
      ).every(Boolean);
    await bot.driveUntil(w, revenueHome, { rounds: 16, pauseMs: 500 });
    for (const e of epochs) {
      const total = paidIn(payments, e).reduce((sum, p) => sum + p.amount, 0n);
      const revenue = await scenario.revenue(e.model, e.epoch, e.chainId);
      expect(revenue.total, `revenue of ${e.model}/${e.epoch} on ${e.chainId}`).toBe(total);
    }

    // Verdicts: 2-of-3 prober signatures, once per (model, epoch); published to each chain holding its escrow.
    const refundBps = new Map<string, number>();
    for (const e of epochs) {
      const key = `${e.model}:${e.epoch}`;
      if (!refundBps.has(key)) {
        refundBps.set(
          key,
          (await scenario.recordVerdict(e.model, e.epoch, { measured: measuredFor(e.model) })).refundBps,
        );
      }
      await scenario.publishVerdict(e.model, e.epoch, e.chainId);
    }
    expect([...new Set([...refundBps].filter(([k]) => k.startsWith("2:")).map(([, v]) => v))]).toEqual([2_500]);
    expect([...new Set([...refundBps].filter(([k]) => k.startsWith("1:")).map(([, v]) => v))]).toEqual([0]);

    // Verdict delivery, VerdictApplied -> refund and settle jobs, refunds, release, payouts, payout delivery.
    await bot.driveUntilPaidOut(w, epochs);

    const expected = new Map<string, bigint>(); // chain:account -> expected delta
    const add = (chainId: number, account: Address, amount: bigint) => {
      const key = `${chainId}:${account}`;
      expected.set(key, (expected.get(key) ?? 0n) + amount);
    };
    for (const e of epochs) {
      const bps = BigInt(refundBps.get(`${e.model}:${e.epoch}`) ?? -1);
      const mine = paidIn(payments, e);
      const paid = mine.reduce((sum, p) => sum + p.amount, 0n);
      let refunded = 0n;
      for (const p of mine) {
        const share = (p.amount * bps) / 10_000n;
        refunded += share;
        add(e.chainId, p.buyer, share); // the snapshot was taken after paying: the refund is the delta
      }
      const released = paid - refunded;
      const releasedLogs = await scenario.escrowEvents(e, "Released");
      expect(releasedLogs.map((log) => log.args.amount)).toEqual([released]);
      expect(await scenario.escrowEvents(e, "Refunded")).toHaveLength(bps === 0n ? 0 : mine.length);

      const payees = await scenario.payeesOf(e.model, e.epoch);
      const logs = await scenario.paidOutLogs(e);
      expect(logs.map((log) => log.args.payoutIndex).sort()).toEqual(payees.map((_, i) => i));
      let sum = 0n;
      payees.forEach((payee, i) => {
        const amount = i === payees.length - 1 ? released - sum : (released * BigInt(payee.shareBps)) / 10_000n;
        sum += amount;
        const to = payee.chain === e.chainId ? getAddress(slice(payee.account, 12)) : scenario.nettingVault(e.chainId);
        const log = logs.find((l) => l.args.payoutIndex === i);
        expect(log?.args.amount, `payout ${i} of ${e.model}/${e.epoch} on ${e.chainId}`).toBe(amount);
        expect(log?.args.payee).toBe(to);
        add(e.chainId, to, amount);
      });
      expect(sum).toBe(released);
      expect(await scenario.payoutsPublished(e)).toHaveLength(payees.length); // each index published once here
    }
    const after = await scenario.balances(accounts);
    for (const [key, value] of after) {
      expect(value - (before.get(key) ?? 0n), `balance delta of ${key}`).toBe(expected.get(key) ?? 0n);
    }

    // Replays: every job re-queued (duplicates too), more watch passes, and an amnesiac store re-observing the
    // settle jobs: nothing is paid, refunded, released or published again.
    const all = [...(await bot.jobsIn("confirmed", 500)), ...(await bot.jobsIn("failed", 500))];
    for (const job of all) bot.send(job.id, job.id);
    await bot.drive(w, 3);
    const replayed = await bot.replayIntoEmptyStore(
      w,
      epochs.map((e) =>
        settlementJob("settle", e, { transport: scenario.defaultTransport(e.chainId), now: w.clock.now() }),
      ),
    );
    for (const [i, e] of epochs.entries()) {
      expect(replayed[i], `amnesiac settle of ${e.model}/${e.epoch}`).toMatchObject({
        status: "confirmed",
        alreadyDone: true,
      });
    }
    expect(await scenario.balances(accounts)).toEqual(after);
    for (const e of epochs) {
      const payees = await scenario.payeesOf(e.model, e.epoch);
      expect(await scenario.paidOutLogs(e)).toHaveLength(payees.length);
      expect(await scenario.payoutsPublished(e)).toHaveLength(payees.length);
      expect(await scenario.escrowEvents(e, "Released")).toHaveLength(1);
    }
    expect(await bot.jobsIn("dead-lettered")).toEqual([]);
  }, 300_000);

  it("a payout published by a worker that died before recording it is found on the home chain and not sent again", async () => {
    const { scenario } = bot;
    const w = bot.world();
    await bot.drive(w, 1);
    const payment = await scenario.pay(B, HEALTHY, 0, 5n);
    const e: EpochOnChain = { chainId: B, model: HEALTHY, epoch: payment.epoch };
    await scenario.passTime(B, await scenario.escrowEpochEnd(e));
    await bot.drive(w, 3); // receipts home
    expect((await scenario.recordVerdict(e.model, e.epoch, { measured: demoMeasurements.healthy })).refundBps).toBe(0);
    await scenario.publishVerdict(e.model, e.epoch, B);
    await bot.drive(w, 1); // the verdict VAA is delivered; VerdictApplied is not past its confirmation yet
    expect((await scenario.epochRecord(e)).status).toBe(1); // settled
    const settleId = jobIds.settle({ chainId: B, modelId: e.model, epoch: e.epoch });
    expect(await bot.stores.jobs.get(settleId)).toBeUndefined();

    // The dead worker's effects: it released and published payout 0 over the route's messenger, then died.
    await scenario.release(e);
    await scenario.publishPayout(e.model, e.epoch, B, 0, { transport: "wormhole" });

    await bot.driveUntilPaidOut(w, [e]);
    const payees = await scenario.payeesOf(e.model, e.epoch);
    const published = await scenario.payoutsPublished(e);
    expect(published.map((log) => log.args.payoutIndex).sort()).toEqual(payees.map((_, i) => i)); // each once
    const paid = await scenario.paidOutLogs(e);
    expect(paid.map((log) => log.args.payoutIndex).sort()).toEqual(payees.map((_, i) => i));
    expect(paid.reduce((sum, log) => sum + (log.args.amount ?? 0n), 0n)).toBe(payment.amount);
    const job = await bot.stores.jobs.get(settleId);
    expect(job?.status === "confirmed" && job.alreadyDone).toBe(false); // it published the rest itself
    expect(await bot.jobsIn("dead-lettered")).toEqual([]);
  }, 300_000);
});
