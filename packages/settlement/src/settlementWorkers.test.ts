import type { SettlementState, SettlementTarget } from "@slabridge/core";
import { DEFAULT_RETRY_POLICY, type Job, jobIds } from "@slabridge/core";
import { type ProcessOutcome, RelayEngine } from "@slabridge/relay";
import { MemoryJobStore } from "@slabridge/store";
import { describe, expect, it } from "vitest";
import { createSettlementWorkers } from "./createSettlementWorkers.ts";

class FakeClock {
  ms = 1_000_000;
  now = () => this.ms;
}

/** An escrow-like settlement target: the refund cursor only moves forward and a second release reverts. */
class FakeEscrow implements SettlementTarget {
  readonly chainId = 31_337;
  verdict = false;
  cursor = 0;
  releasedCount = 0;
  /** payment index -> times refunded (must end at exactly 1 each). */
  readonly refunds = new Map<number, number>();
  readonly batches: number[] = [];
  crashAfterBatch: number | undefined;
  /** A bond top-up in the verdict: funded from the vault's allowance, then shared on its own cursor. */
  topUp: { due: boolean; fundable: boolean; funded: boolean; cursor: number } = {
    due: false,
    fundable: true,
    funded: false,
    cursor: 0,
  };
  readonly topUpShares = new Map<number, number>();
  constructor(readonly payments: number) {}
  async state(): Promise<SettlementState> {
    return {
      verdictApplied: this.verdict,
      refundsDone: this.verdict && this.cursor >= this.payments,
      topUpsDone: this.verdict && (!this.topUp.due || this.topUp.cursor >= this.payments),
      released: this.releasedCount > 0,
    };
  }
  async refundNext(_m: bigint, _e: bigint, maxPayments: number) {
    if (!this.verdict) throw new Error("NoVerdict");
    if (this.cursor >= this.payments && this.topUp.due) {
      if (!this.topUp.funded) {
        if (!this.topUp.fundable) throw new Error("ERC20InsufficientAllowance");
        this.topUp.funded = true;
        return { transaction: "0xfund" };
      }
      const end = Math.min(this.payments, this.topUp.cursor + maxPayments);
      for (let i = this.topUp.cursor; i < end; i++) this.topUpShares.set(i, (this.topUpShares.get(i) ?? 0) + 1);
      this.topUp.cursor = end;
      return { transaction: `0xtopup${end}` };
    }
    const end = Math.min(this.payments, this.cursor + maxPayments);
    for (let i = this.cursor; i < end; i++) this.refunds.set(i, (this.refunds.get(i) ?? 0) + 1);
    this.batches.push(end - this.cursor);
    this.cursor = end;
    if (this.crashAfterBatch === this.batches.length) {
      this.crashAfterBatch = undefined;
      throw new Error("process killed after a refund batch landed");
    }
    return { transaction: `0xrefund${this.batches.length}` };
  }
  async release() {
    if (this.cursor < this.payments) throw new Error("RefundsPending");
    if (this.releasedCount > 0) throw new Error("AlreadyReleased");
    this.releasedCount++;
    return { transaction: "0xrelease" };
  }
}

function setup(payments = 250) {
  const clock = new FakeClock();
  const jobs = new MemoryJobStore({ clock });
  const escrow = new FakeEscrow(payments);
  const engine = new RelayEngine({
    jobs,
    transports: {},
    receiptSources: new Map(),
    workers: createSettlementWorkers({
      settlementTargets: new Map([[escrow.chainId, escrow]]),
      clock,
      maxRefundsPerTransaction: 100,
      verdictPollMs: 5_000,
    }),
    enqueue: async () => {},
    clock,
    retry: { ...DEFAULT_RETRY_POLICY, tiersMs: [1_000, 10_000], maxAttempts: 3 },
    maxPaymentsPerBatch: 100,
    random: () => 0.5,
  });
  return { clock, jobs, escrow, engine };
}

const ref = { chainId: 31_337, modelId: 2n, epoch: 7n };

function settlementJob(kind: "refund" | "settle"): Job {
  return {
    id: kind === "refund" ? jobIds.refund(ref) : jobIds.settle(ref),
    kind,
    status: "observed",
    version: 1,
    source: { chainId: 31_337, transaction: "0xverdict", block: 9n, blockHash: "0xh9", index: 1 },
    destinationChainId: 31_337,
    transport: "layerzero",
    payload: "0x",
    epochRef: { modelId: ref.modelId, epoch: ref.epoch },
    attempts: 0,
    createdAt: 1,
    updatedAt: 1,
  };
}

/** The job an outcome carries; fails the test on "unknown-job". */
function jobOf(outcome: ProcessOutcome): Job {
  if (outcome.result === "unknown-job") throw new Error(`unknown job ${outcome.jobId}`);
  return outcome.job;
}

const everyPaymentOnce = (escrow: FakeEscrow) =>
  expect([...escrow.refunds.values()]).toEqual(Array.from({ length: escrow.payments }, () => 1));

describe("refund and settle workers in the relay engine", () => {
  it("waits for the verdict without spending an attempt, then refunds in batches of maxRefundsPerTransaction", async () => {
    const { engine, escrow, clock } = setup();
    const id = jobIds.refund(ref);
    await engine.ingest(settlementJob("refund"));
    const early = await engine.process(id);
    expect(early.result).toBe("waiting");
    const parked = jobOf(early);
    expect(parked.attempts).toBe(0); // not ready is not an attempt
    expect(parked.status === "failed" && parked.nextAttemptAt).toBe(clock.ms + 5_000);
    expect(escrow.batches).toEqual([]);
    escrow.verdict = true;
    clock.ms += 5_000;
    expect(await engine.retryDue()).toEqual([id]);
    const done = await engine.process(id);
    expect(done.result).toBe("confirmed");
    const refunded = jobOf(done);
    expect(refunded.status === "confirmed" && refunded.destinationTransaction).toBe("0xrefund3");
    expect(escrow.batches).toEqual([100, 100, 50]);
    everyPaymentOnce(escrow);
  });

  it("killed between refund batches: the retry resumes at the escrow's cursor, every payment refunded once", async () => {
    const { engine, escrow, clock } = setup();
    escrow.verdict = true;
    escrow.crashAfterBatch = 2;
    const id = jobIds.refund(ref);
    await engine.ingest(settlementJob("refund"));
    const crashed = await engine.process(id);
    expect(crashed.result).toBe("failed");
    if (crashed.result === "failed") expect(crashed.job.attempts).toBe(1);
    clock.ms += 1_000;
    expect((await engine.process(id)).result).toBe("confirmed");
    expect(escrow.batches).toEqual([100, 100, 50]);
    everyPaymentOnce(escrow);
  });

  it("duplicate and concurrent processing of refund and settle jobs refunds each payment once and releases once", async () => {
    const { engine, escrow, jobs } = setup();
    escrow.verdict = true;
    await engine.ingest(settlementJob("refund"));
    await engine.ingest(settlementJob("settle"));
    expect(await engine.ingest(settlementJob("refund"))).toBe("exists");
    const ids = [jobIds.refund(ref), jobIds.settle(ref)];
    await Promise.all(Array.from({ length: 8 }, (_, i) => engine.process(ids[i % 2] ?? "")));
    for (const id of ids) {
      const job = await jobs.get(id);
      // A worker that lost a race may leave a retryable failure behind; the next pass confirms it.
      if (job?.status !== "confirmed") await engine.process(id);
    }
    for (const id of ids) expect((await jobs.get(id))?.status).toBe("confirmed");
    everyPaymentOnce(escrow);
    expect(escrow.releasedCount).toBe(1);

    // Replaying confirmed jobs does nothing.
    for (const id of ids) expect((await engine.process(id)).result).toBe("already-final");
    everyPaymentOnce(escrow);
    expect(escrow.releasedCount).toBe(1);
  });

  it("settle waits for the verdict, pushes pending refunds first, releases once; a re-created job finds it done", async () => {
    const { engine, escrow, clock, jobs } = setup(30);
    const id = jobIds.settle(ref);
    await engine.ingest(settlementJob("settle"));
    expect((await engine.process(id)).result).toBe("waiting");
    escrow.verdict = true;
    clock.ms += 5_000;
    const done = await engine.process(id);
    expect(done.result).toBe("confirmed");
    const released = jobOf(done);
    expect(released.status === "confirmed" && released.destinationTransaction).toBe("0xrelease");
    expect(released.status === "confirmed" && released.alreadyDone).toBe(false);
    expect(escrow.releasedCount).toBe(1);
    everyPaymentOnce(escrow);

    // The record lost (a purged table): the same work observed again asks the escrow first and sends nothing.
    const fresh = new RelayEngine({
      jobs: new MemoryJobStore({ clock }),
      transports: {},
      receiptSources: new Map(),
      workers: createSettlementWorkers({ settlementTargets: new Map([[escrow.chainId, escrow]]), clock }),
      enqueue: async () => {},
      clock,
      retry: DEFAULT_RETRY_POLICY,
      maxPaymentsPerBatch: 100,
    });
    await fresh.ingest(settlementJob("settle"));
    const again = await fresh.process(id);
    const found = jobOf(again);
    expect(found.status === "confirmed" && found.alreadyDone).toBe(true);
    expect(again.result).toBe("confirmed");
    expect(escrow.releasedCount).toBe(1);
    expect((await jobs.get(id))?.status).toBe("confirmed");
  });

  it("releases without waiting for a bond top-up the vault cannot fund yet; the refund job pays each share once after", async () => {
    const { engine, escrow, jobs, clock } = setup(150);
    escrow.verdict = true;
    escrow.topUp = { due: true, fundable: false, funded: false, cursor: 0 };
    await engine.ingest(settlementJob("settle"));
    await engine.ingest(settlementJob("refund"));
    // The payees are not held up by the vault: the settle job refunds and releases.
    expect((await engine.process(jobIds.settle(ref))).result).toBe("confirmed");
    expect(escrow.releasedCount).toBe(1);
    everyPaymentOnce(escrow);
    // The refund job stays open (retrying, with the reason) while the top-up cannot be funded.
    const stuck = await engine.process(jobIds.refund(ref));
    expect(stuck.result).toBe("failed");
    const failed = jobOf(stuck);
    expect(failed.status === "failed" && failed.reason).toContain("ERC20InsufficientAllowance");
    escrow.topUp.fundable = true;
    clock.ms += 1_000;
    expect((await engine.process(jobIds.refund(ref))).result).toBe("confirmed");
    expect([...escrow.topUpShares.values()]).toEqual(Array.from({ length: 150 }, () => 1));
    expect((await jobs.get(jobIds.refund(ref)))?.status).toBe("confirmed");
    // Once done, a replay pays nothing more.
    expect((await engine.process(jobIds.refund(ref))).result).toBe("already-final");
    expect([...escrow.topUpShares.values()]).toEqual(Array.from({ length: 150 }, () => 1));
  });

  it("a refund job whose last batch another worker pushed first confirms instead of failing on the escrow's refusal", async () => {
    const { engine, escrow, jobs } = setup(10);
    escrow.verdict = true;
    const refund = escrow.refundNext.bind(escrow);
    // The other worker's batch lands between our state read and our send; the escrow then reverts ours.
    escrow.refundNext = async (...args) => {
      await refund(...args);
      throw new Error("NothingToRefund");
    };
    await engine.ingest(settlementJob("refund"));
    expect((await engine.process(jobIds.refund(ref))).result).toBe("confirmed");
    everyPaymentOnce(escrow);
    expect((await jobs.get(jobIds.refund(ref)))?.status).toBe("confirmed");
  });

  it("dead-letters a job for a chain without an escrow, naming it", async () => {
    const { engine } = setup();
    await engine.ingest({ ...settlementJob("refund"), destinationChainId: 1 });
    const outcome = await engine.process(jobIds.refund(ref));
    expect(outcome.result).toBe("dead-lettered");
    const dead = jobOf(outcome);
    expect(dead.status === "dead-lettered" && dead.reason).toContain("no settlement target for chain 1");
  });
});
