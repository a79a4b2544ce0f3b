import type { PayoutPublisher, PayoutStatus, SettlementState, SettlementTarget } from "@slabridge/core";
import { DEFAULT_RETRY_POLICY, type Job, type JobStore, jobIds, SlabridgeError } from "@slabridge/core";
import { type ProcessOutcome, RelayEngine } from "@slabridge/relay";
import { MemoryJobStore } from "@slabridge/store";
import { describe, expect, it } from "vitest";
import { createSettlementWorkers } from "./createSettlementWorkers.ts";

const CHAIN = 31_338;
const CLAIM_MS = 60_000;
const ref = { chainId: CHAIN, modelId: 3n, epoch: 11n };

class FakeClock {
  ms = 1_000_000;
  now = () => this.ms;
}

/**
 * A payment chain's escrow and the home registry in one: release once; publish records a message per call (the
 * registry refuses nothing); delivering a payout message sets the escrow's paid bit once and pays
 * floor(released * bps / 10000), the payout completing 10,000 bps taking the dust.
 */
class FakeSettlement implements SettlementTarget, PayoutPublisher {
  readonly chainId = CHAIN;
  releasedCount = 0;
  /** Every publish call, in order (a double publish shows up twice). */
  readonly published: number[] = [];
  readonly paid = new Map<number, bigint>();
  paidOutBps = 0;
  paidOut = 0n;
  /** Publishes this index, then "kills the process" (throws after the effect). */
  killAfterPublish: number | undefined;
  /** Fails before publishing this index (an RPC error), once. */
  failBeforePublish: number | undefined;
  onKill: () => void = () => {};
  /** Whether the registry pays out to this chain (an escrow chain); a vault chain pays its payees on release. */
  serves = true;
  constructor(
    readonly released: bigint,
    readonly sharesBps: readonly number[],
  ) {}
  async state(): Promise<SettlementState> {
    return {
      verdictApplied: true,
      refundsDone: true,
      released: this.releasedCount > 0,
      nothingToRelease: this.released === 0n,
    };
  }
  async refundNext(): Promise<{ transaction: string }> {
    throw new Error("no refunds pending");
  }
  async release() {
    await Promise.resolve();
    if (this.releasedCount > 0) throw new Error("AlreadyReleased");
    this.releasedCount++;
    return { transaction: "0xrelease" };
  }
  servesChain(): boolean {
    return this.serves;
  }
  async payoutCount() {
    return this.sharesBps.length;
  }
  async status(_chain: number, _m: bigint, _e: bigint, index: number): Promise<PayoutStatus> {
    await Promise.resolve();
    if (this.paid.has(index)) return "paid";
    return this.published.includes(index) ? "published" : "open";
  }
  async publish(_chain: number, _m: bigint, _e: bigint, index: number) {
    if (this.failBeforePublish === index) {
      this.failBeforePublish = undefined;
      throw new SlabridgeError("RPC timeout", { retryable: true });
    }
    await Promise.resolve();
    this.published.push(index);
    if (this.killAfterPublish === index) {
      this.killAfterPublish = undefined;
      this.onKill();
      throw new Error("process killed after publishing, before recording");
    }
    return { transaction: `0xpublish${index}` };
  }
  /** The destination escrow applying every published message once, in publish order (a repeat is refused). */
  deliverAll(): void {
    for (const index of this.published) {
      if (this.paid.has(index)) continue;
      const share = this.sharesBps[index] ?? 0;
      this.paidOutBps += share;
      const amount =
        this.paidOutBps === 10_000 ? this.released - this.paidOut : (this.released * BigInt(share)) / 10_000n;
      this.paidOut += amount;
      this.paid.set(index, amount);
    }
  }
}

/** A job store whose writes can be cut, like a process that died: nothing after the kill is recorded. */
class KillableJobStore implements JobStore {
  killed = false;
  constructor(readonly inner: MemoryJobStore) {}
  create(job: Job) {
    return this.inner.create(job);
  }
  get(id: string) {
    return this.inner.get(id);
  }
  async transition(expected: Pick<Job, "id" | "status" | "version">, next: Job) {
    if (this.killed) throw new Error("process is dead");
    return this.inner.transition(expected, next);
  }
  listByStatus(status: Job["status"], options?: { limit?: number; updatedBefore?: number }) {
    return this.inner.listByStatus(status, options);
  }
}

function engineOf(jobs: JobStore, fake: FakeSettlement, clock: FakeClock): RelayEngine {
  return new RelayEngine({
    jobs,
    transports: {},
    receiptSources: new Map(),
    workers: createSettlementWorkers({
      settlementTargets: new Map([[CHAIN, fake]]),
      payouts: fake,
      payoutClaimMs: CLAIM_MS,
      clock,
    }),
    enqueue: async () => {},
    clock,
    retry: { ...DEFAULT_RETRY_POLICY, tiersMs: [1_000], maxAttempts: 4 },
    maxPaymentsPerBatch: 100,
    random: () => 0.5,
  });
}

function settleJob(): Job {
  return {
    id: jobIds.settle(ref),
    kind: "settle",
    status: "observed",
    version: 1,
    source: { chainId: CHAIN, transaction: "0xverdict", block: 5n, blockHash: "0xh5", index: 0 },
    destinationChainId: CHAIN,
    transport: "wormhole",
    payload: "0x",
    epochRef: { modelId: ref.modelId, epoch: ref.epoch },
    attempts: 0,
    createdAt: 1,
    updatedAt: 1,
  };
}

function jobOf(outcome: ProcessOutcome): Job {
  if (outcome.result === "unknown-job") throw new Error(`unknown job ${outcome.jobId}`);
  return outcome.job;
}

const SHARES = [100, 1_500, 333, 8_067];
const RELEASED = 1_000_003n;
/** floor(released * bps / 10000) for all but the last index, which takes the rest. */
const expectedAmounts = (): bigint[] => {
  const floors = SHARES.slice(0, -1).map((bps) => (RELEASED * BigInt(bps)) / 10_000n);
  return [...floors, RELEASED - floors.reduce((a, b) => a + b, 0n)];
};

describe("SettleWorker: settle jobs with payouts", () => {
  it("releases once, then publishes every payout once in index order; the last index takes the dust", async () => {
    const clock = new FakeClock();
    const fake = new FakeSettlement(RELEASED, SHARES);
    const engine = engineOf(new MemoryJobStore({ clock }), fake, clock);
    await engine.ingest(settleJob());
    const done = await engine.process(jobIds.settle(ref));
    expect(done.result).toBe("confirmed");
    const job = jobOf(done);
    expect(job.status === "confirmed" && job.destinationTransaction).toBe("0xpublish3");
    expect(fake.releasedCount).toBe(1);
    expect(fake.published).toEqual([0, 1, 2, 3]);
    fake.deliverAll();
    expect([...fake.paid.entries()].sort(([a], [b]) => a - b).map(([, amount]) => amount)).toEqual(expectedAmounts());
    expect(fake.paidOut).toBe(RELEASED);
    expect((await engine.process(jobIds.settle(ref))).result).toBe("already-final");
    expect(fake.published).toEqual([0, 1, 2, 3]);
  });

  it("releases an epoch that leaves nothing to pay (all refunded, or no payment) and publishes no payout", async () => {
    const clock = new FakeClock();
    const fake = new FakeSettlement(0n, SHARES);
    const engine = engineOf(new MemoryJobStore({ clock }), fake, clock);
    await engine.ingest(settleJob());
    const done = await engine.process(jobIds.settle(ref));
    expect(done.result).toBe("confirmed");
    expect(fake.releasedCount).toBe(1);
    expect(fake.published).toEqual([]);
    expect((await engine.process(jobIds.settle(ref))).result).toBe("already-final");
    expect(fake.published).toEqual([]);
  });

  it("on a chain the registry does not pay out to (a vault that pays its own payees), ends at the release", async () => {
    const clock = new FakeClock();
    const fake = new FakeSettlement(RELEASED, SHARES);
    fake.serves = false;
    const engine = engineOf(new MemoryJobStore({ clock }), fake, clock);
    await engine.ingest(settleJob());
    const done = await engine.process(jobIds.settle(ref));
    expect(done.result).toBe("confirmed");
    expect(fake.releasedCount).toBe(1);
    expect(fake.published).toEqual([]);
  });

  it("killed after a publish, before recording it: the restarted worker waits out the claim, then publishes only the rest", async () => {
    const clock = new FakeClock();
    const store = new KillableJobStore(new MemoryJobStore({ clock }));
    const fake = new FakeSettlement(RELEASED, SHARES);
    fake.killAfterPublish = 1;
    fake.onKill = () => {
      store.killed = true;
    };
    const id = jobIds.settle(ref);
    await engineOf(store, fake, clock).ingest(settleJob());
    await expect(engineOf(store, fake, clock).process(id)).rejects.toThrow("process is dead");
    expect(fake.published).toEqual([0, 1]);
    // The claim is all that was recorded: a typed payout claim naming the release, no destination transaction.
    const claim = await store.get(id);
    expect(claim?.status).toBe("submitted");
    expect(claim?.status === "submitted" && claim.payoutClaim).toEqual({ claimedAt: clock.ms, release: "0xrelease" });
    expect(claim).not.toHaveProperty("destinationTransaction");

    store.killed = false;
    const restarted = engineOf(store, fake, clock);
    const early = await restarted.process(id);
    expect(early.result).toBe("waiting"); // the claim still holds: no write, no attempt, nothing sent
    expect(jobOf(early).status).toBe("submitted");
    expect(fake.published).toEqual([0, 1]);

    clock.ms += CLAIM_MS;
    const done = await restarted.process(id);
    expect(done.result).toBe("confirmed");
    expect(jobOf(done).attempts).toBe(0); // an expired claim is not an attempt
    expect(fake.published).toEqual([0, 1, 2, 3]);
    fake.deliverAll();
    expect(fake.paidOut).toBe(RELEASED);
  });

  it("duplicate jobs and racing workers release once and publish each payout once", async () => {
    const clock = new FakeClock();
    const jobs = new MemoryJobStore({ clock });
    const fake = new FakeSettlement(RELEASED, SHARES);
    const workers = Array.from({ length: 4 }, () => engineOf(jobs, fake, clock));
    expect(await workers[0]?.ingest(settleJob())).toBe("created");
    expect(await workers[1]?.ingest(settleJob())).toBe("exists");
    const id = jobIds.settle(ref);
    await Promise.all(Array.from({ length: 12 }, (_, i) => workers[i % workers.length]?.process(id)));
    const job = await jobs.get(id);
    if (job?.status !== "confirmed") await workers[0]?.process(id);
    expect((await jobs.get(id))?.status).toBe("confirmed");
    expect(fake.releasedCount).toBe(1);
    expect(fake.published).toEqual([0, 1, 2, 3]);
  });

  it("an amnesiac job store: payouts paid or published before are not published again", async () => {
    const clock = new FakeClock();
    const fake = new FakeSettlement(RELEASED, SHARES);
    fake.releasedCount = 1;
    fake.published.push(0, 1);
    fake.deliverAll(); // 0 and 1 are paid on the destination
    fake.published.push(2); // 2 is on its way
    const engine = engineOf(new MemoryJobStore({ clock }), fake, clock);
    await engine.ingest(settleJob());
    const done = await engine.process(jobIds.settle(ref));
    expect(done.result).toBe("confirmed");
    expect(fake.published).toEqual([0, 1, 2, 3]);
    const fresh = engineOf(new MemoryJobStore({ clock }), fake, clock);
    await fresh.ingest(settleJob());
    const again = jobOf(await fresh.process(jobIds.settle(ref)));
    expect(again.status === "confirmed" && again.alreadyDone).toBe(true);
    expect(fake.published).toEqual([0, 1, 2, 3]);
  });

  it("a failed publish is an attempt; the retry continues where it stopped", async () => {
    const clock = new FakeClock();
    const jobs = new MemoryJobStore({ clock });
    const fake = new FakeSettlement(RELEASED, SHARES);
    fake.failBeforePublish = 2;
    const engine = engineOf(jobs, fake, clock);
    await engine.ingest(settleJob());
    const id = jobIds.settle(ref);
    const failed = await engine.process(id);
    expect(failed.result).toBe("failed");
    expect(jobOf(failed).attempts).toBe(1);
    expect(fake.published).toEqual([0, 1]);
    clock.ms += 1_000;
    expect((await engine.process(id)).result).toBe("confirmed");
    expect(fake.published).toEqual([0, 1, 2, 3]);
    expect(fake.releasedCount).toBe(1);
  });

  it("waits for the verdict without spending an attempt and publishes nothing before the release", async () => {
    const clock = new FakeClock();
    const fake = new FakeSettlement(RELEASED, SHARES);
    fake.state = async () => ({ verdictApplied: false, refundsDone: false, released: false });
    const engine = engineOf(new MemoryJobStore({ clock }), fake, clock);
    await engine.ingest(settleJob());
    const outcome = await engine.process(jobIds.settle(ref));
    expect(outcome.result).toBe("waiting");
    expect(jobOf(outcome).attempts).toBe(0);
    expect(fake.published).toEqual([]);
    expect(fake.releasedCount).toBe(0);
  });
});
