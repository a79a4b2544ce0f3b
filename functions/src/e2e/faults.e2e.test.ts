import {
  type Clock,
  type Job,
  type JobStore,
  jobIds,
  type PayoutPublisher,
  type SettlementTarget,
  SlabridgeError,
} from "@slabridge/core";
import type { DemoPayment } from "@slabridge/devnet";
import { demoMeasurements, devnetEvmRoutes, type EpochOnChain, epochsOf } from "@slabridge/devnet/testing";
import { type ProcessOutcome, RelayEngine, type RelayEngineOptions } from "@slabridge/relay";
import { createSettlementWorkers } from "@slabridge/settlement";
import { type Address, getAddress, slice } from "viem";
import { describe, expect, it } from "vitest";
import { botHarnessForSuite, type RelayWorld, settlementJob } from "./testing/botHarness.ts";

// Fixed fault schedules on the real devnet (anvil chains, LayerZero and Wormhole, DynamoDB stores, the relay queue
// and the Lambda handlers): each (payment chain, model, epoch) gets its own schedule of faults (a worker killed right
// after its transaction landed, an RPC timeout after a transaction landed, an RPC error before a send, a job store
// write cut before or after it applied, the same message delivered several times at once, a lost queue message, a
// watcher killed mid-batch, a worker that forgot everything). All run together, then every buyer, payee and vault
// balance is checked to the unit, and every refund, release and payout is on chain exactly once. The randomized
// counterpart (1,000 schedules on simulated chains) is packages/faults.

const HEALTHY = 1n; // refund 0 bps
const BREACHING = 2n; // the slowP95 demo host: refund 2,500 bps
const A = 31_337;
const B = 31_338; // the home chain, with its own escrow (Wormhole self-delivery)
const bot = botHarnessForSuite({
  // Long epochs: a window's payments fit in one, and few empty epochs end (each is a receipts job) while the test runs.
  devnet: { epochSeconds: 30, hosts: ["healthy", "slowP95"] },
  stage: { routes: devnetEvmRoutes(A, B), retry: { maxAttempts: 8 } },
  maxReceiveCount: 8,
});

/** A worker process died: nothing more it writes reaches the store. */
class ProcessCrash extends Error {
  override readonly name = "ProcessCrash";
}

/** A chain or store operation a fault can match. */
interface Op {
  op: "refund" | "release" | "publish" | "transition";
  chainId: number;
  model: bigint;
  epoch: bigint;
  /** publish: the payout index; transition: the job's next status. */
  detail?: string;
}

/** One fault of a schedule: what it matches, what happens, how many matching operations pass first. */
interface Fault {
  when: Omit<Op, "detail"> & { detail?: string };
  kind: "crash-after" | "timeout-after" | "rpc-error" | "crash-before" | "crash-at-write-after";
  skip?: number;
}

/** What happens to the queue message of a job whose worker died: redelivered, or lost (the stuck sweep's work). */
type AfterCrash = "redeliver" | "lose";

/** Armed faults, shared by every process of the test (one Lambda container's worth). */
class Faults {
  dead = false;
  readonly armed: Fault[] = [];
  readonly fired: string[] = [];
  readonly crashed = new Map<string, AfterCrash>();
  readonly lose = new Set<string>();

  arm(fault: Fault): void {
    this.armed.push({ ...fault, skip: fault.skip ?? 0 });
  }

  /** The fault for `op`, if one is armed and its skips are used up. */
  take(op: Op): Fault | undefined {
    const at = this.armed.findIndex(
      (f) =>
        f.when.op === op.op &&
        f.when.chainId === op.chainId &&
        f.when.model === op.model &&
        f.when.epoch === op.epoch &&
        (f.when.detail === undefined || f.when.detail === op.detail),
    );
    const fault = this.armed[at];
    if (!fault) return undefined;
    if ((fault.skip ?? 0) > 0) {
      fault.skip = (fault.skip ?? 0) - 1;
      return undefined;
    }
    this.armed.splice(at, 1);
    this.fired.push(
      `${fault.kind} at ${op.op} ${op.chainId}/${op.model}/${op.epoch}${op.detail ? ` ${op.detail}` : ""}`,
    );
    return fault;
  }

  alive(): void {
    if (this.dead) throw new ProcessCrash("the process died earlier in this run");
  }

  /** Runs a chain send under the fault armed for `op`. */
  async send<T>(op: Op, send: () => Promise<T>): Promise<T> {
    this.alive();
    const fault = this.take(op);
    if (fault?.kind === "rpc-error") throw new SlabridgeError(`${op.op}: connection reset`, { retryable: true });
    const result = await send();
    if (fault?.kind === "timeout-after") {
      throw new SlabridgeError(`${op.op}: timed out waiting for the receipt`, { retryable: true });
    }
    if (fault?.kind === "crash-after") {
      this.dead = true;
      throw new ProcessCrash(`killed after ${op.op} landed`);
    }
    return result;
  }
}

function faultyTarget(faults: Faults, target: SettlementTarget): SettlementTarget {
  const op = (kind: Op["op"], model: bigint, epoch: bigint): Op => ({
    op: kind,
    chainId: target.chainId,
    model,
    epoch,
  });
  return {
    chainId: target.chainId,
    state: (model, epoch) => {
      faults.alive();
      return target.state(model, epoch);
    },
    refundNext: (model, epoch, max) =>
      faults.send(op("refund", model, epoch), () => target.refundNext(model, epoch, max)),
    release: (model, epoch) => faults.send(op("release", model, epoch), () => target.release(model, epoch)),
  };
}

function faultyPublisher(faults: Faults, publisher: PayoutPublisher): PayoutPublisher {
  return {
    servesChain: (chainId) => publisher.servesChain(chainId),
    payoutCount: (model, epoch) => publisher.payoutCount(model, epoch),
    status: (chainId, model, epoch, index) => {
      faults.alive();
      return publisher.status(chainId, model, epoch, index);
    },
    publish: (chainId, model, epoch, index) =>
      faults.send({ op: "publish", chainId, model, epoch, detail: `${index}` }, () =>
        publisher.publish(chainId, model, epoch, index),
      ),
  };
}

/** The job store as one process sees it: dead after a crash; a transition can be cut before or after it applies. */
function faultyJobs(faults: Faults, jobs: JobStore): JobStore {
  return {
    create: async (job) => {
      faults.alive();
      return jobs.create(job);
    },
    get: async (id) => {
      faults.alive();
      return jobs.get(id);
    },
    listByStatus: async (status, options) => {
      faults.alive();
      return jobs.listByStatus(status, options);
    },
    transition: async (expected, next) => {
      faults.alive();
      const ref = next.epochRef;
      const [kind, chain] = next.id.split(":");
      const fault =
        ref && (kind === "refund" || kind === "settle")
          ? faults.take({
              op: "transition",
              chainId: Number(chain),
              model: ref.modelId,
              epoch: ref.epoch,
              detail: `${kind}->${next.status}`,
            })
          : undefined;
      if (fault?.kind === "crash-before") {
        faults.dead = true;
        throw new ProcessCrash(`killed before writing ${next.id} -> ${next.status}`);
      }
      const moved = await jobs.transition(expected, next);
      if (fault?.kind === "crash-at-write-after") {
        faults.dead = true;
        throw new ProcessCrash(`killed right after writing ${next.id} -> ${next.status}`);
      }
      return moved;
    },
  };
}

/** The relay engine of a process that can die: a crash ends its run; the queue message is redelivered or lost. */
class CrashingEngine extends RelayEngine {
  readonly #faults: Faults;
  constructor(faults: Faults, options: RelayEngineOptions) {
    super(options);
    this.#faults = faults;
  }
  override async process(jobId: string): Promise<ProcessOutcome> {
    try {
      return await super.process(jobId);
    } catch (error) {
      if (!(error instanceof ProcessCrash)) throw error;
      this.#faults.crashed.set(jobId, this.#faults.lose.has(jobId) ? "lose" : "redeliver");
      return { jobId, result: "unknown-job" }; // the Lambda died: its message is not acknowledged as done
    } finally {
      this.#faults.dead = false; // the next message runs in a fresh process
    }
  }
}

/** A relay world whose refund and settle workers, and job store, run under `faults`. */
function faultyWorld(faults: Faults, clock: Clock): RelayWorld {
  const jobs = faultyJobs(faults, bot.stores.jobs);
  const base = bot.world({ stores: { jobs }, clock });
  const receiptSources = new Map(
    [...base.chains.values()].flatMap((chain) => (chain.receipts ? [[chain.chainId, chain.receipts] as const] : [])),
  );
  const targets = new Map([...base.settlementTargets].map(([chainId, t]) => [chainId, faultyTarget(faults, t)]));
  const publisher = base.chains.get(bot.scenario.homeChainId)?.payouts;
  const engine = new CrashingEngine(faults, {
    jobs,
    transports: base.transports,
    receiptSources,
    enqueue: base.enqueue,
    clock,
    retry: base.config.retry,
    maxPaymentsPerBatch: base.config.batching.maxPaymentsPerReceiptBatch,
    workers: createSettlementWorkers({
      settlementTargets: targets,
      payouts: publisher ? faultyPublisher(faults, publisher) : undefined,
      clock,
      maxRefundsPerTransaction: base.config.batching.maxRefundsPerTransaction,
    }),
  });
  return { ...base, engine, settlementTargets: targets };
}

/** One fixed schedule: the faults it arms on its (chain, model, window) and the jobs whose crash loses the message. */
interface Schedule {
  name: string;
  chainId: number;
  model: bigint;
  window: number;
  faults: (e: EpochOnChain) => Fault[];
  /** Jobs whose queue message is lost when their worker dies (the stuck-job sweep must find them). */
  lose?: (e: EpochOnChain) => string[];
}

const ref = (e: EpochOnChain) => ({ chainId: e.chainId, model: e.model, epoch: e.epoch });
const settleId = (e: EpochOnChain) => jobIds.settle({ chainId: e.chainId, modelId: e.model, epoch: e.epoch });
const refundId = (e: EpochOnChain) => jobIds.refund({ chainId: e.chainId, modelId: e.model, epoch: e.epoch });

const SCHEDULES: Schedule[] = [
  {
    name: "refund worker killed after its first refund transaction landed",
    chainId: A,
    model: BREACHING,
    window: 0,
    faults: (e) => [{ when: { op: "refund", ...ref(e) }, kind: "crash-after" }],
  },
  {
    name: "RPC timeout after each refund batch landed",
    chainId: B,
    model: BREACHING,
    window: 0,
    faults: (e) => [
      { when: { op: "refund", ...ref(e) }, kind: "timeout-after" },
      { when: { op: "refund", ...ref(e) }, kind: "timeout-after" },
    ],
  },
  {
    name: "settle worker killed after its release landed, its queue message lost",
    chainId: A,
    model: HEALTHY,
    window: 0,
    faults: (e) => [{ when: { op: "release", ...ref(e) }, kind: "crash-after" }],
    lose: (e) => [settleId(e)],
  },
  {
    name: "settle worker killed after publishing payout 0 (its claim must expire)",
    chainId: B,
    model: HEALTHY,
    window: 0,
    faults: (e) => [{ when: { op: "publish", ...ref(e), detail: "0" }, kind: "crash-after" }],
  },
  {
    name: "RPC errors before the release and before payout 1",
    chainId: A,
    model: BREACHING,
    window: 1,
    faults: (e) => [
      { when: { op: "release", ...ref(e) }, kind: "rpc-error" },
      { when: { op: "publish", ...ref(e), detail: "1" }, kind: "rpc-error" },
    ],
  },
  {
    name: "process killed right after the payout claim was written",
    chainId: B,
    model: BREACHING,
    window: 1,
    faults: (e) => [
      { when: { op: "transition", ...ref(e), detail: "settle->submitted" }, kind: "crash-at-write-after" },
    ],
  },
  {
    name: "refund job killed before its confirmation was written, message lost",
    chainId: A,
    model: HEALTHY,
    window: 1,
    faults: (e) => [{ when: { op: "transition", ...ref(e), detail: "refund->confirmed" }, kind: "crash-before" }],
    lose: (e) => [refundId(e)],
  },
  {
    name: "settle job delivered three times at once",
    chainId: B,
    model: HEALTHY,
    window: 1,
    faults: () => [],
  },
  {
    name: "killed after the last refund batch, then after the release",
    chainId: A,
    model: BREACHING,
    window: 2,
    faults: (e) => [
      { when: { op: "refund", ...ref(e) }, kind: "crash-after", skip: 1 },
      { when: { op: "release", ...ref(e) }, kind: "crash-after" },
    ],
  },
  {
    name: "RPC timeout after payout 1 was published",
    chainId: B,
    model: BREACHING,
    window: 2,
    faults: (e) => [{ when: { op: "publish", ...ref(e), detail: "1" }, kind: "timeout-after" }],
  },
  {
    name: "killed after the last payout was published, then its confirmation write cut",
    chainId: A,
    model: HEALTHY,
    window: 2,
    faults: (e) => [
      { when: { op: "publish", ...ref(e), detail: "2" }, kind: "crash-after" },
      { when: { op: "transition", ...ref(e), detail: "settle->confirmed" }, kind: "crash-before" },
    ],
  },
  {
    name: "a worker that forgot everything replays the settled jobs",
    chainId: B,
    model: HEALTHY,
    window: 2,
    faults: () => [],
  },
];

const paidIn = (payments: readonly DemoPayment[], e: EpochOnChain) =>
  payments.filter((p) => p.chainId === e.chainId && p.modelId === e.model && p.epoch === e.epoch);

describe("fixed fault schedules on the devnet", () => {
  it("refund, release and pay out every epoch exactly once whatever each schedule kills, times out or repeats", async () => {
    const { scenario } = bot;
    const faults = new Faults();
    const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };
    const w = faultyWorld(faults, clock);

    // Three windows of epochs; in each, both models are paid on both chains.
    const payments: DemoPayment[] = [];
    const windows: EpochOnChain[][] = [];
    for (let window = 0; window < 3; window++) {
      // Start each window at an epoch's start, so all its payments fall in one epoch (both demo models share one
      // epoch grid), well clear of the boundary where a payment's gas estimate would be for the previous epoch.
      await scenario.alignClocks();
      const running = await scenario.registryEpoch(HEALTHY);
      const end = await scenario.registryEpochEnd(HEALTHY, running);
      for (const chainId of [A, B]) await scenario.passTime(chainId, end);
      const paid: DemoPayment[] = [];
      for (const chainId of [A, B]) {
        paid.push(...(await scenario.payEach(chainId, BREACHING, [3n, 2n, 1n])));
        paid.push(await scenario.pay(chainId, HEALTHY, 2, 4n));
      }
      payments.push(...paid);
      const epochs = epochsOf(paid);
      windows.push(epochs);
      // A watch pass while the epoch runs: a fresh bot's epoch cursors start at the last ended epoch, so every
      // window's epoch is at or after the cursor (epochs passed with no pass in between would be skipped).
      await bot.drive(w, 1);
      await scenario.passEpochs(epochs);
    }
    const epochs = windows.flat();
    const scheduled = SCHEDULES.map((s) => {
      const e = windows[s.window]?.find((x) => x.chainId === s.chainId && x.model === s.model);
      if (!e) throw new Error(`no epoch for schedule "${s.name}"`);
      return { ...s, e };
    });
    expect(new Set(scheduled.map((s) => `${s.e.chainId}/${s.e.model}/${s.e.epoch}`)).size).toBe(SCHEDULES.length);

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

    // A watcher killed mid-batch: evm-a's pass dies after storing its first job; the next pass must find the rest.
    const dying = { left: 1 };
    const killed = bot.world({
      clock,
      stores: {
        jobs: {
          create: async (job: Job) => {
            if (dying.left-- <= 0) throw new ProcessCrash("watcher killed mid-batch");
            return bot.stores.jobs.create(job);
          },
          get: (id: string) => bot.stores.jobs.get(id),
          transition: (expected, next) => bot.stores.jobs.transition(expected, next),
          listByStatus: (status, options) => bot.stores.jobs.listByStatus(status, options),
        },
      },
    });
    await scenario.mine();
    await expect(killed.chains.get(A)?.watch()).rejects.toThrow(ProcessCrash);

    // Receipts home (the killed pass's epochs included), verdicts recorded and published to every payment chain.
    const revenueOk = async (e: EpochOnChain) =>
      (await scenario.revenue(e.model, e.epoch, e.chainId)).total ===
      paidIn(payments, e).reduce((sum, p) => sum + p.amount, 0n);
    await bot.driveUntil(w, async () => (await Promise.all(epochs.map(revenueOk))).every(Boolean), { rounds: 10 });
    for (const e of epochs) expect(await revenueOk(e), `revenue of ${e.chainId}/${e.model}/${e.epoch}`).toBe(true);
    const refundBps = new Map<string, number>();
    for (const e of epochs) {
      const key = `${e.model}:${e.epoch}`;
      if (!refundBps.has(key)) {
        const measured = e.model === BREACHING ? demoMeasurements.breachingP95 : demoMeasurements.healthy;
        refundBps.set(key, (await scenario.recordVerdict(e.model, e.epoch, { measured })).refundBps);
      }
      await scenario.publishVerdict(e.model, e.epoch, e.chainId);
    }

    for (const s of scheduled) {
      for (const fault of s.faults(s.e)) faults.arm(fault);
      for (const id of s.lose?.(s.e) ?? []) faults.lose.add(id);
    }
    const triple = scheduled.find((s) => s.name.startsWith("settle job delivered three times"));
    let tripled = false;
    for (let round = 0; round < 14; round++) {
      await bot.drive(w, 1);
      if (triple && !tripled && (await bot.stores.jobs.get(settleId(triple.e)))) {
        bot.send(settleId(triple.e), settleId(triple.e), settleId(triple.e)); // one batch: processed side by side
        tripled = true;
      }
      for (const [jobId, after] of faults.crashed) if (after === "redeliver") bot.send(jobId);
      faults.crashed.clear();
      // Past the payout claims (5 min) and the stuck-job sweep (5 min): what a crash left behind is picked up.
      clock.offsetMs += 6 * 60_000;
      const done = await Promise.all(
        epochs.map(async (e) => {
          const job = await bot.stores.jobs.get(settleId(e));
          const payees = await scenario.payeesOf(e.model, e.epoch);
          return job?.status === "confirmed" && (await scenario.paidOutLogs(e)).length >= payees.length;
        }),
      );
      if (done.every(Boolean) && faults.armed.length === 0) break;
    }
    expect(tripled, "the settle job was delivered three times at once").toBe(true);
    expect(faults.armed, `faults that never fired (fired: ${faults.fired.join("; ")})`).toEqual([]);

    // The forgetful worker: settled jobs ingested into an empty store find their work done and send nothing.
    const amnesiac = scheduled.find((s) => s.name.startsWith("a worker that forgot everything"));
    if (amnesiac) {
      const transport = scenario.defaultTransport(amnesiac.e.chainId);
      const replayed = await bot.replayIntoEmptyStore(w, [
        settlementJob("refund", amnesiac.e, { transport, now: w.clock.now() }),
        settlementJob("settle", amnesiac.e, { transport, now: w.clock.now() }),
      ]);
      expect(replayed).toMatchObject([
        { status: "confirmed", alreadyDone: true },
        { status: "confirmed", alreadyDone: true },
      ]);
    }

    // Exact balances: each buyer got its refund share once, each payee (or the chain's netting vault) its share once.
    const expected = new Map<string, bigint>();
    const add = (chainId: number, account: Address, amount: bigint) => {
      const key = `${chainId}:${account}`;
      expected.set(key, (expected.get(key) ?? 0n) + amount);
    };
    const same = (x: EpochOnChain, y: EpochOnChain) =>
      x.chainId === y.chainId && x.model === y.model && x.epoch === y.epoch;
    for (const e of epochs) {
      const name = scheduled.find((s) => same(s.e, e))?.name ?? "an epoch without faults";
      const at = `${name} (${e.chainId}/${e.model}/${e.epoch})`;
      const bps = BigInt(refundBps.get(`${e.model}:${e.epoch}`) ?? -1);
      const mine = paidIn(payments, e);
      let refunded = 0n;
      for (const p of mine) {
        const share = (p.amount * bps) / 10_000n;
        refunded += share;
        add(e.chainId, p.buyer, share);
      }
      const released = mine.reduce((sum, p) => sum + p.amount, 0n) - refunded;
      expect((await scenario.escrowEvents(e, "Refunded")).length, at).toBe(bps === 0n ? 0 : mine.length);
      expect(
        (await scenario.escrowEvents(e, "Released")).map((log) => log.args.amount),
        at,
      ).toEqual([released]);
      const payees = await scenario.payeesOf(e.model, e.epoch);
      const logs = await scenario.paidOutLogs(e);
      expect(logs.map((log) => log.args.payoutIndex).sort(), at).toEqual(payees.map((_, i) => i));
      for (const log of logs) {
        const payee = payees[log.args.payoutIndex ?? -1];
        if (!payee) throw new Error(`${at}: payout ${log.args.payoutIndex} has no payee`);
        const to = payee.chain === e.chainId ? getAddress(slice(payee.account, 12)) : scenario.nettingVault(e.chainId);
        expect(log.args.payee, at).toBe(to);
        add(e.chainId, to, log.args.amount ?? 0n);
      }
      expect(
        logs.reduce((sum, log) => sum + (log.args.amount ?? 0n), 0n),
        at,
      ).toBe(released);
      expect((await scenario.payoutsPublished(e)).length, `${at}: each payout published once`).toBe(payees.length);
      const settle = await bot.stores.jobs.get(settleId(e));
      expect(settle?.status, `${at}: ${settle && "reason" in settle ? settle.reason : ""}`).toBe("confirmed");
      expect((await bot.stores.jobs.get(refundId(e)))?.status, at).toBe("confirmed");
    }
    const after = await scenario.balances(accounts);
    for (const [key, value] of after) {
      expect(value - (before.get(key) ?? 0n), `balance delta of ${key}`).toBe(expected.get(key) ?? 0n);
    }
    expect(await bot.jobsIn("dead-lettered")).toEqual([]);
  }, 240_000);
});
