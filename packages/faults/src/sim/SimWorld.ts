import {
  ALREADY_DONE_REVERTS,
  AlreadyDoneAtDestinationError,
  type Clock,
  type CursorStore,
  type DeliveryStatus,
  type EpochRelease,
  type Hex,
  type Job,
  type JobStore,
  jobIds,
  type MessageRef,
  NettingTransactionRevertedError,
  type NettingVault,
  NettingVaultNotReadyError,
  type PayoutPublisher,
  type PayoutStatus,
  type RetryPolicy,
  type SettlementPayee,
  type SettlementState,
  type SettlementTarget,
  SlabridgeError,
  type Transport,
} from "@slabridge/core";
import { netDueRounds, runNettingRound } from "@slabridge/netting";
import { RelayEngine } from "@slabridge/relay";
import { createSettlementWorkers, sweepSettlement } from "@slabridge/settlement";
import { MemoryCursorStore, MemoryJobStore } from "@slabridge/store";
import {
  emptyChainState,
  SimChain,
  type SimChainState,
  type SimEscrowEpoch,
  SimRevertError,
  type SimSender,
  transfer,
} from "./SimChain.ts";

export const CHAIN_A = 31_337;
export const CHAIN_B = 31_338;
export const HOME = 31_339;
export const PAYMENT_CHAINS = [CHAIN_A, CHAIN_B] as const;
const MODEL = 1n;
export const EPOCHS = [0n, 1n] as const;
const EPOCH_SECONDS = 1_000_000;
/** Inside epoch 2: epochs 0 and 1 have ended. */
const START_MS = 2_500_000_000;
const EIDS = new Map([
  [CHAIN_A, 30_101],
  [CHAIN_B, 30_102],
]);
const VAULT = "vault";
const ESCROW = "escrow";

/** The model's payee table: one payee on each payment chain and a second on A, so both vaults hold and owe. */
const PAYEES: readonly SettlementPayee[] = [
  { chain: CHAIN_A, account: "payee-a1", shareBps: 5_000 },
  { chain: CHAIN_B, account: "payee-b", shareBps: 3_333 },
  { chain: CHAIN_A, account: "payee-a2", shareBps: 1_667 },
];

/** The payments and verdicts a schedule starts from (drawn by fast-check). */
export interface SimSetup {
  /** Payment amounts per payment chain and epoch: `payments[chainIndex][epochIndex]`. */
  payments: readonly (readonly (readonly number[])[])[];
  /** The verdict's refund per epoch (one verdict per (model, epoch), applied on every payment chain). */
  refundBps: readonly number[];
  /** Per epoch: the verdict is final on every payment chain and watched (its jobs queued) before the schedule. */
  verdictsAtStart: readonly boolean[];
}

/** A fault armed for the next matching chain call. */
export interface ArmedChainFault {
  /**
   * `rpc-error`: the call fails before anything is sent; `timeout`: the transaction lands but the caller sees a
   * timeout; `crash`: it lands and the worker process dies before writing anything more; `read-error`: the next read
   * of that chain fails.
   */
  kind: "rpc-error" | "timeout" | "crash" | "read-error";
  chainId: number;
  /** Matching calls to let through first. */
  skip: number;
}

/** A fault armed for the next job store transition: the process dies before or after the write applies. */
export interface ArmedStoreFault {
  kind: "crash-before" | "crash-after";
  skip: number;
}

/** A worker process died (between a chain call and its store write, or at a store write): nothing more it writes. */
class ProcessCrash extends Error {
  override readonly name = "ProcessCrash";
  constructor(where: string) {
    super(`process killed ${where}`);
  }
}

/** A retryable RPC failure: before broadcast, or a timeout after the transaction landed. */
class SimRpcError extends SlabridgeError {
  override readonly name = "SimRpcError" as const;
  constructor(message: string) {
    super(message, { retryable: true });
  }
}

/** One worker process: its clock skew, whether it died, and how it interleaves with a concurrent one. */
export interface SimProcess {
  dead: boolean;
  skewMs: number;
  /** Deterministic pseudo-random source deciding how many microtask turns each chain call yields. */
  next(): number;
}

/** Counters of what a schedule did, for the report and to see that faults actually fired. */
export interface SimStats {
  faultsFired: number;
  crashes: number;
  publishes: number;
  reorgs: number;
  deadLettered: number;
}

/**
 * The simulated world a fault schedule runs in: three chains (payment chains A and B with an escrow and a netting
 * vault each, the home chain with the registry's payout publisher), the relay engine, the refund and settle workers,
 * the settlement sweeps and netting, all the real code on in-memory job and cursor stores, and a relay queue. Chain
 * calls can be made to fail (armed faults), the job store can be cut mid-write, chains reorg their unfinal blocks,
 * and each worker process has its own clock skew.
 *
 * @example
 * const world = new SimWorld({ payments: [[[5], []], [[], [7]]], refundBps: [2_500, 0] }, policy);
 * await world.applyVerdict(CHAIN_A, 0n);
 * await world.drain();
 * world.checkFinal(); // throws with a description when money was paid twice or lost
 */
export class SimWorld {
  readonly chains = new Map<number, SimChain>();
  readonly clock = { ms: START_MS };
  readonly baseClock: Clock = { now: () => this.clock.ms };
  readonly jobs = new MemoryJobStore({ clock: this.baseClock });
  readonly cursors = new MemoryCursorStore({ clock: this.baseClock });
  readonly queue: string[] = [];
  chainFaults: ArmedChainFault[] = [];
  storeFaults: ArmedStoreFault[] = [];
  readonly stats: SimStats = { faultsFired: 0, crashes: 0, publishes: 0, reorgs: 0, deadLettered: 0 };
  /** Why jobs ended dead-lettered (job kind: reason), for the report. */
  readonly deadLetters: string[] = [];
  readonly supply: bigint;
  readonly setup: SimSetup;
  readonly #retry: RetryPolicy;
  #txs = 0;
  #guids = 0;

  constructor(setup: SimSetup, retry: RetryPolicy) {
    this.setup = setup;
    this.#retry = retry;
    let supply = 0n;
    for (const [c, chainId] of PAYMENT_CHAINS.entries()) {
      const state = emptyChainState();
      for (const [e, epoch] of EPOCHS.entries()) {
        const amounts = setup.payments[c]?.[e] ?? [];
        const record: SimEscrowEpoch = {
          payments: amounts.map((amount, i) => ({ buyer: `buyer-${e}-${i}`, amount: BigInt(amount) })),
          verdict: false,
          refundBps: 0,
          refundCursor: 0,
          refunded: 0n,
          released: false,
          paidBits: new Map(),
          paidOutBps: 0,
          paidOut: 0n,
        };
        state.escrow.set(epoch, record);
        for (const p of record.payments) {
          state.balances.set(ESCROW, (state.balances.get(ESCROW) ?? 0n) + p.amount);
          supply += p.amount;
        }
      }
      this.chains.set(chainId, new SimChain(chainId, state));
    }
    this.chains.set(HOME, new SimChain(HOME, emptyChainState()));
    this.supply = supply;
  }

  /** Applies, finalizes and watches the verdicts of `verdictsAtStart`, so schedules begin with jobs queued. */
  async start(): Promise<void> {
    for (const [e, epoch] of EPOCHS.entries()) {
      if (!this.setup.verdictsAtStart[e]) continue;
      for (const chainId of PAYMENT_CHAINS) {
        if (escrowOf(this.chain(chainId).state, epoch).payments.length > 0) this.applyVerdict(chainId, epoch);
      }
    }
    for (const chainId of PAYMENT_CHAINS) {
      this.chain(chainId).finalize();
      await this.scheduled(0, (proc) => this.watch(proc, chainId));
    }
  }

  chain(chainId: number): SimChain {
    const chain = this.chains.get(chainId);
    if (!chain) throw new Error(`no simulated chain ${chainId}`);
    return chain;
  }

  /** A fresh worker process (no crash yet). */
  process(skewMs = 0, seed = 0): SimProcess {
    let s = seed >>> 0 || 1;
    return {
      dead: false,
      skewMs,
      next: () => {
        // xorshift32: deterministic interleavings from the schedule's seed
        s ^= s << 13;
        s ^= s >>> 17;
        s ^= s << 5;
        return (s >>> 0) / 4_294_967_296;
      },
    };
  }

  // ------------------------------------------------------------------ environment (not the bot)

  /** The home chain's verdict for (model, epoch) reaches a payment chain's escrow (an unfinal block). */
  applyVerdict(chainId: number, epoch: bigint): void {
    const chain = this.chain(chainId);
    const bps = this.setup.refundBps[Number(epoch)] ?? 0; // epochs are 0n, 1n: their own index
    const hash = this.#hash(chainId);
    try {
      chain.land({
        hash,
        from: "executor",
        apply: (s) => {
          const r = escrowOf(s, epoch);
          // The messenger's replay protection: a verdict is applied once.
          if (r.verdict) throw new SimRevertError("verdict already applied");
          r.verdict = true;
          r.refundBps = bps;
          if (bps === 0) r.refundCursor = r.payments.length;
          s.verdictLog.push({ epoch, tx: hash, block: s.block });
        },
      });
    } catch (error) {
      if (!(error instanceof SimRevertError)) throw error;
    }
  }

  // ------------------------------------------------------------------ the bot's pieces, per process

  /** The relay engine as one worker process sees the world (its clock, its stores that die with it). */
  engine(proc: SimProcess): RelayEngine {
    const clock: Clock = { now: () => this.clock.ms + proc.skewMs };
    const targets = new Map<number, SettlementTarget>(
      PAYMENT_CHAINS.map((chainId) => [chainId, this.#settlementTarget(proc, chainId)]),
    );
    return new RelayEngine({
      jobs: this.#jobStore(proc),
      transports: { layerzero: this.#transport(proc) },
      receiptSources: new Map(),
      enqueue: async (jobId) => {
        this.#alive(proc);
        this.queue.push(jobId);
      },
      clock,
      retry: this.#retry,
      maxPaymentsPerBatch: 100,
      workers: createSettlementWorkers({
        settlementTargets: targets,
        payouts: this.#publisher(proc),
        clock,
        maxRefundsPerTransaction: 2,
        verdictPollMs: 60_000,
        payoutClaimMs: 60_000,
      }),
      stuckAfterMs: 300_000,
      random: () => 0.5,
    });
  }

  /** The watchers: final VerdictApplied logs become refund and settle jobs, final PayoutPublished logs message jobs. */
  async watch(proc: SimProcess, chainId: number, stopAfter = Number.POSITIVE_INFINITY): Promise<void> {
    const engine = this.engine(proc);
    const final = this.chain(chainId).final;
    let ingested = 0;
    const ingest = async (job: Job) => {
      if (ingested++ >= stopAfter) throw new ProcessCrash(`in the ${chainId} watcher mid-batch`);
      await engine.ingest(job);
    };
    if (chainId === HOME) {
      for (const p of final.published) {
        const ref: MessageRef = {
          transport: "layerzero",
          messageId: p.guid,
          sourceChainId: HOME,
          sourceTransaction: p.tx,
        };
        await ingest({
          ...this.#jobBase(jobIds.layerZeroMessage(p.guid), "deliver-message", HOME, p.chainId, p.tx),
          messageRef: ref,
        });
      }
      return;
    }
    for (const v of final.verdictLog) {
      const ref = { chainId, modelId: MODEL, epoch: v.epoch };
      const epochRef = { modelId: MODEL, epoch: v.epoch };
      await ingest({ ...this.#jobBase(jobIds.refund(ref), "refund", chainId, chainId, v.tx), epochRef });
      await ingest({ ...this.#jobBase(jobIds.settle(ref), "settle", chainId, chainId, v.tx), epochRef });
    }
  }

  /** The refund or settle sweep (the relay world's schedule). */
  async sweep(proc: SimProcess, kind: "refund" | "settle"): Promise<void> {
    const engine = this.engine(proc);
    const clock: Clock = { now: () => this.clock.ms + proc.skewMs };
    await sweepSettlement(
      {
        manifest: {
          models: [
            {
              modelId: `${MODEL}`,
              homeChainId: HOME,
              genesis: 0,
              epochSeconds: EPOCH_SECONDS,
              hostName: "sim",
              hostUrl: "https://host.invalid",
              pricePerRequest: "1",
            },
          ],
        },
        config: { probing: { lookbackEpochs: 10 } },
        clock,
        settlementTargets: new Map(PAYMENT_CHAINS.map((chainId) => [chainId, this.#settlementTarget(proc, chainId)])),
        enqueue: async (jobId) => {
          this.#alive(proc);
          this.queue.push(jobId);
        },
        engine,
        // As the relay world wires it: a released epoch with a payout neither paid nor published is unfinished.
        payouts: this.#publisher(proc),
        chains: new Map(
          PAYMENT_CHAINS.map((chainId) => [
            chainId,
            {
              settlementJobs: ({ modelId, epoch, source }) => {
                const ref = { chainId, modelId, epoch };
                const epochRef = { modelId, epoch };
                const base = (id: string, kind: "refund" | "settle") => ({
                  ...this.#jobBase(id, kind, chainId, chainId, source.transaction),
                  source,
                  epochRef,
                });
                return { refund: base(jobIds.refund(ref), "refund"), settle: base(jobIds.settle(ref), "settle") };
              },
            },
          ]),
        ),
      },
      kind,
    );
  }

  /** One pass of automatic netting over the model's ended epochs. */
  async net(proc: SimProcess): Promise<void> {
    const transport = this.#transport(proc);
    await netDueRounds({
      models: [MODEL],
      lookbackEpochs: 10,
      cursors: this.#cursorStore(proc),
      chains: {
        vaultChains: [...PAYMENT_CHAINS],
        currentEpoch: async () => 2n,
        status: async (_modelId, epoch) => {
          const out = [];
          for (const chainId of PAYMENT_CHAINS) {
            const r = escrowOf((await this.#read(proc, chainId)).state, epoch);
            out.push({ chainId, paid: r.payments.length > 0, paidOut: r.released && r.paidOutBps === 10_000 });
          }
          return out;
        },
        blockNumber: async (chainId) => BigInt((await this.#read(proc, chainId)).state.block),
        run: async ({ roundId, modelId, epoch, fromBlocks }) => {
          const released = new Map<number, bigint>();
          const dustIndex = new Map<number, number>();
          for (const chainId of PAYMENT_CHAINS) {
            const r = escrowOf((await this.#read(proc, chainId)).state, epoch);
            if (r.payments.length === 0) continue;
            released.set(chainId, paidOf(r) - r.refunded);
            if (r.dustIndex !== undefined) dustIndex.set(chainId, r.dustIndex);
          }
          const release: EpochRelease = { modelId, epoch, payees: PAYEES, released, dustIndex };
          const vaults = new Map<number, NettingVault>(
            PAYMENT_CHAINS.map((chainId) => [
              chainId,
              this.#vault(proc, chainId, Number(fromBlocks.get(chainId) ?? 0n)),
            ]),
          );
          return runNettingRound({
            roundId,
            releases: [release],
            vaults,
            openChains: new Set(),
            eids: EIDS,
            transport,
          });
        },
      },
    });
  }

  // ------------------------------------------------------------------ the schedule's steps

  /**
   * One SQS delivery of the queued message at `pick`: processed by a fresh worker process. A crash leaves the
   * message for redelivery (the visibility timeout) unless `lose`; `duplicate` leaves a copy in the queue.
   */
  async deliver(pick: number, options: { duplicate?: boolean; lose?: boolean; skewMs?: number; seed?: number } = {}) {
    const jobId = this.#dequeue(pick, options.duplicate ?? false);
    if (jobId === undefined) return;
    const crashed = await this.#run(this.process(options.skewMs, options.seed), (proc) =>
      this.engine(proc).process(jobId),
    );
    if (crashed && !options.lose) this.queue.push(jobId);
  }

  /** Two worker processes with different clocks get the same message at once (a duplicate delivery, raced). */
  async race(pick: number, skewA: number, skewB: number, seed: number): Promise<void> {
    const jobId = this.#dequeue(pick, false);
    if (jobId === undefined) return;
    const crashed = await Promise.all([
      this.#run(this.process(skewA, seed), (proc) => this.engine(proc).process(jobId)),
      this.#run(this.process(skewB, seed ^ 0x5bd1e995), (proc) => this.engine(proc).process(jobId)),
    ]);
    if (crashed.some(Boolean)) this.queue.push(jobId);
  }

  /** The retry schedule (due retries, dead-letters, stuck jobs queued again) on a skewed clock. */
  async retryDue(skewMs: number): Promise<void> {
    await this.#run(this.process(skewMs), (proc) => this.engine(proc).retryDue());
  }

  /** A schedule step run by a scheduled Lambda: a crash ends it; returns whether it crashed. */
  async scheduled(skewMs: number, step: (proc: SimProcess) => Promise<unknown>): Promise<boolean> {
    try {
      return await this.#run(this.process(skewMs), step);
    } catch (error) {
      // A scheduled Lambda that fails with a retryable error runs again at its next tick: nothing to record.
      if (error instanceof SlabridgeError && error.retryable) return true;
      throw error;
    }
  }

  tick(ms: number): void {
    this.clock.ms += ms;
  }

  /**
   * Faults off: every verdict reaches every payment chain, blocks finalize, and the watchers, the relay queue, the
   * retry schedule, the sweeps and netting run until nothing changes any more.
   */
  async drain(maxRounds = 60): Promise<void> {
    this.chainFaults = [];
    this.storeFaults = [];
    for (const chainId of PAYMENT_CHAINS) {
      for (const epoch of EPOCHS) {
        if (escrowOf(this.chain(chainId).state, epoch).payments.length > 0) this.applyVerdict(chainId, epoch);
      }
    }
    let last = "";
    for (let round = 0; round < maxRounds; round++) {
      for (const chain of this.chains.values()) chain.finalize();
      for (const chainId of this.chains.keys()) await this.scheduled(0, (proc) => this.watch(proc, chainId));
      for (let steps = 0; this.queue.length > 0 && steps < 1_000; steps++) await this.deliver(0);
      this.tick(3_600_000);
      await this.retryDue(0);
      await this.scheduled(0, (proc) => this.sweep(proc, "refund"));
      await this.scheduled(0, (proc) => this.sweep(proc, "settle"));
      await this.scheduled(0, (proc) => this.net(proc));
      const now = await this.#fingerprint();
      if (now === last && this.queue.length === 0) return;
      last = now;
    }
  }

  /** Invariants that hold after every step, faults or not: nothing paid twice, value conserved. */
  stepViolations(): string[] {
    const out: string[] = [];
    let total = 0n;
    for (const [chainId, chain] of this.chains) {
      const s = chain.state;
      for (const amount of s.balances.values()) total += amount;
      for (const p of s.packets) {
        if (!this.chain(p.to).state.executed.has(p.guid)) total += p.amount; // burnt, not minted yet: in flight
      }
      const twice = (keys: string[], what: string) => {
        const seen = new Set<string>();
        for (const k of keys) {
          if (seen.has(k)) out.push(`chain ${chainId}: ${what} ${k} twice`);
          seen.add(k);
        }
      };
      twice(
        s.refundLog.map((r) => `epoch ${r.epoch} payment ${r.payment}`),
        "refunded",
      );
      twice(
        s.payoutLog.map((r) => `epoch ${r.epoch} payout ${r.index}`),
        "paid out",
      );
      twice(
        s.marks.map((m) => `netting step ${m.stepId.slice(0, 10)} (to ${m.to}, ${m.amount})`),
        "vault sent",
      );
      if (chainId !== HOME) {
        let owed = 0n;
        for (const r of s.escrow.values()) owed += paidOf(r) - r.refunded - r.paidOut;
        const held = s.balances.get(ESCROW) ?? 0n;
        if (held !== owed) out.push(`chain ${chainId}: escrow holds ${held} but owes ${owed}`);
      }
    }
    if (total !== this.supply) out.push(`conservation: balances + in flight = ${total}, supply ${this.supply}`);
    return out;
  }

  /** Invariants once the schedule drained with faults off: every refund and payout made once, every job settled. */
  async finalViolations(): Promise<string[]> {
    const out = this.stepViolations();
    const payeeExpected = new Map<string, bigint>();
    for (const chainId of PAYMENT_CHAINS) {
      const s = this.chain(chainId).state;
      for (const [epoch, r] of s.escrow) {
        if (r.payments.length === 0) continue;
        const at = `chain ${chainId} epoch ${epoch}`;
        r.payments.forEach((p, i) => {
          const share = (p.amount * BigInt(r.refundBps)) / 10_000n;
          const times = s.refundLog.filter((l) => l.epoch === epoch && l.payment === i).length;
          if (share > 0n && times !== 1) out.push(`${at}: payment ${i} refunded ${times} times (share ${share})`);
        });
        if (!r.released) out.push(`${at}: never released`);
        PAYEES.forEach((payee, i) => {
          const amount = r.paidBits.get(i);
          if (amount === undefined) out.push(`${at}: payout ${i} never paid (lost)`);
          const key = `${payee.chain}:${payee.account}`;
          payeeExpected.set(key, (payeeExpected.get(key) ?? 0n) + (amount ?? 0n));
        });
      }
    }
    for (const [key, expected] of payeeExpected) {
      const [chain, account] = key.split(":");
      const held = this.chain(Number(chain)).state.balances.get(account ?? "") ?? 0n;
      if (held !== expected) out.push(`payee ${key} holds ${held}, its shares add up to ${expected}`);
    }
    for (const chainId of PAYMENT_CHAINS) {
      const held = this.chain(chainId).state.balances.get(VAULT) ?? 0n;
      if (held !== 0n) out.push(`chain ${chainId}: netting vault keeps ${held} after every round`);
    }
    for (const chain of this.chains.values()) {
      for (const p of chain.state.packets) {
        if (!this.chain(p.to).state.executed.has(p.guid))
          out.push(`OFT packet ${p.guid.slice(-6)} (${p.amount}) never delivered`);
      }
      if (chain.mempool.length > 0)
        out.push(`chain ${chain.chainId}: ${chain.mempool.length} transaction(s) never landed`);
    }
    for (const status of ["observed", "finalized", "submitted", "failed", "dead-lettered"] as const) {
      for (const job of await this.jobs.listByStatus(status)) {
        if (job.status === "dead-lettered") {
          this.stats.deadLettered++;
          this.deadLetters.push(`${job.kind}: ${job.reason}`);
          if (!job.reason) out.push(`job ${job.id} dead-lettered without a reason`);
        } else if (job.status === "failed") {
          if (!job.retryable || !job.reason) out.push(`job ${job.id} failed without a retry or a reason`);
        } else {
          out.push(`job ${job.id} still ${job.status} after the drain`);
        }
      }
    }
    return out;
  }

  /** Pretty view of the world for a failure report. */
  describe(): string {
    const lines: string[] = [];
    for (const chainId of PAYMENT_CHAINS) {
      for (const [epoch, r] of this.chain(chainId).state.escrow) {
        if (r.payments.length === 0) continue;
        lines.push(
          `  chain ${chainId} epoch ${epoch}: payments [${r.payments.map((p) => p.amount).join(", ")}] verdict ${r.verdict} ` +
            `bps ${r.refundBps} cursor ${r.refundCursor} released ${r.released} paid [${[...r.paidBits.keys()].join(",")}]`,
        );
      }
    }
    lines.push(`  stats ${JSON.stringify(this.stats)}`);
    return lines.join("\n");
  }

  #dequeue(pick: number, duplicate: boolean): string | undefined {
    if (this.queue.length === 0) return undefined;
    const [jobId] = this.queue.splice(pick % this.queue.length, 1);
    if (jobId !== undefined && duplicate) this.queue.push(jobId);
    return jobId;
  }

  /** Runs one process's work; a {@link ProcessCrash} ends it quietly (anything else is a bug and propagates). */
  async #run(proc: SimProcess, work: (proc: SimProcess) => Promise<unknown>): Promise<boolean> {
    try {
      await work(proc);
      return false;
    } catch (error) {
      if (error instanceof ProcessCrash) return true;
      throw error;
    }
  }

  async #fingerprint(): Promise<string> {
    const jobs: string[] = [];
    for (const status of ["observed", "finalized", "submitted", "failed", "confirmed", "dead-lettered"] as const) {
      for (const job of await this.jobs.listByStatus(status)) jobs.push(`${job.id}=${job.status}/${job.version}`);
    }
    const blocks = [...this.chains.values()].map((c) => c.state.block);
    return `${jobs.sort().join(",")}|${blocks.join(",")}`;
  }

  // ------------------------------------------------------------------ ports on the simulated chains

  #settlementTarget(proc: SimProcess, chainId: number): SettlementTarget {
    return {
      chainId,
      state: async (_modelId, epoch): Promise<SettlementState> => {
        const r = escrowOf((await this.#read(proc, chainId)).state, epoch);
        return {
          verdictApplied: r.verdict,
          refundsDone: r.verdict && r.refundCursor === r.payments.length,
          released: r.released,
        };
      },
      refundNext: async (_modelId, epoch, maxPayments) => ({
        transaction: await this.#write(proc, chainId, "bot", (s) => {
          const r = escrowOf(s, epoch);
          if (!r.verdict) throw new SimRevertError("NoVerdict");
          const end = Math.min(r.payments.length, r.refundCursor + maxPayments);
          for (let i = r.refundCursor; i < end; i++) {
            const p = r.payments[i];
            if (!p) continue;
            const amount = (p.amount * BigInt(r.refundBps)) / 10_000n;
            if (amount === 0n) continue;
            transfer(s, ESCROW, p.buyer, amount);
            r.refunded += amount;
            s.refundLog.push({ epoch, payment: i });
          }
          r.refundCursor = end;
        }),
      }),
      release: async (_modelId, epoch) => ({
        transaction: await this.#write(proc, chainId, "bot", (s) => {
          const r = escrowOf(s, epoch);
          if (!r.verdict) throw new SimRevertError("NoVerdict");
          if (r.released) throw new SimRevertError("AlreadyReleased");
          if (r.refundCursor !== r.payments.length) throw new SimRevertError("RefundsPending");
          r.released = true;
        }),
      }),
    };
  }

  #publisher(proc: SimProcess): PayoutPublisher {
    return {
      servesChain: (chainId) => chainId === CHAIN_A || chainId === CHAIN_B,
      payoutCount: async () => PAYEES.length,
      status: async (chainId, _modelId, epoch, index): Promise<PayoutStatus> => {
        if (escrowOf((await this.#read(proc, chainId)).state, epoch).paidBits.has(index)) return "paid";
        const home = (await this.#read(proc, HOME)).state;
        return home.published.some((p) => p.chainId === chainId && p.epoch === epoch && p.index === index)
          ? "published"
          : "open";
      },
      publish: async (chainId, _modelId, epoch, index) => {
        const guid = this.#guid();
        this.stats.publishes++;
        const transaction = await this.#write(proc, HOME, "home", (s, hash) => {
          s.published.push({ guid, chainId, epoch, index, tx: hash });
        });
        return { transaction };
      },
    };
  }

  #transport(proc: SimProcess): Transport {
    const messageOn = (state: SimChainState, guid: string) =>
      state.published.find((p) => p.guid === guid) ?? state.packets.find((p) => p.guid === guid);
    const status = async (ref: MessageRef, destinationChainId: number): Promise<DeliveryStatus> => {
      if ((await this.#read(proc, destinationChainId)).state.executed.has(ref.messageId)) return "delivered";
      const source = await this.#read(proc, ref.sourceChainId);
      // The DVN and executor act on final blocks only.
      if (messageOn(source.final, ref.messageId)) return "deliverable";
      return messageOn(source.state, ref.messageId) ? "in-flight" : "unknown";
    };
    return {
      name: "layerzero",
      quote: async () => ({ nativeFee: 0n }),
      messagesIn: async (sourceChainId, sourceTransaction) => {
        const state = (await this.#read(proc, sourceChainId)).state;
        return [...state.published, ...state.packets]
          .filter((p) => p.tx === sourceTransaction)
          .map((p) => ({ transport: "layerzero", messageId: p.guid, sourceChainId, sourceTransaction }));
      },
      status,
      deliver: async (ref, destinationChainId) => {
        const before = await status(ref, destinationChainId);
        if (before !== "deliverable") return { transactions: [], status: before };
        const final = this.chain(ref.sourceChainId).final;
        const payout = final.published.find((p) => p.guid === ref.messageId);
        const packet = final.packets.find((p) => p.guid === ref.messageId);
        const transaction = await this.#write(proc, destinationChainId, "executor", (s) => {
          if (s.executed.has(ref.messageId)) throw new SimRevertError("packet already executed");
          s.executed.add(ref.messageId);
          if (packet) {
            s.balances.set(packet.recipient, (s.balances.get(packet.recipient) ?? 0n) + packet.amount);
            return;
          }
          if (!payout) throw new SimRevertError("unknown packet");
          applyPayout(s, payout.epoch, payout.index, destinationChainId);
        }).catch((error: unknown) => {
          // A reverting lzReceive leaves the packet stored at the endpoint: it can be executed again later. Like the
          // LayerZero transport, a revert saying the effect is already there (PayoutAlreadyPaid) is typed as such.
          if (error instanceof SimRevertError) {
            const reason = error.shortMessage.replace(/^execution reverted: /, "");
            if (ALREADY_DONE_REVERTS.has(reason)) {
              throw new AlreadyDoneAtDestinationError(ref.messageId, destinationChainId, reason);
            }
            throw new SimRpcError(`lzReceive reverted: ${error.shortMessage}`);
          }
          throw error;
        });
        return { transactions: [transaction], status: "delivered" };
      },
    };
  }

  #vault(proc: SimProcess, chainId: number, fromBlock: number): NettingVault {
    const find = async (stepId: string) =>
      (await this.#read(proc, chainId)).state.marks.find((m) => m.stepId === stepId && m.block >= fromBlock);
    // Like EvmNettingVault: the nonce is pinned to the mined nonce, so nothing is sent while one of ours is pending.
    const idle = () => {
      if (this.chain(chainId).busy("vault")) throw new NettingVaultNotReadyError(chainId, "a transaction is pending");
    };
    return {
      chainId,
      address: VAULT,
      isAccount: () => true,
      balance: async () => (await this.#read(proc, chainId)).state.balances.get(VAULT) ?? 0n,
      findPayout: async (stepId) => asHex((await find(stepId))?.tx),
      pay: async (stepId, to, amount) => {
        const found = await find(stepId);
        if (found) return { transactionHash: hex(found.tx), sent: false };
        idle();
        const tx = await this.#write(proc, chainId, "vault", (s, hash) => {
          transfer(s, VAULT, to, amount);
          s.marks.push({ stepId, to, amount, tx: hash, block: s.block });
        }).catch(reverted(chainId, stepId));
        return { transactionHash: hex(tx), sent: true };
      },
      bridge: async (stepId, dstEid, recipient, amount) => {
        const found = await find(stepId);
        if (found) return { transactionHash: hex(found.tx), guid: hex(found.guid ?? ""), sent: false };
        idle();
        const to = [...EIDS].find(([, eid]) => eid === dstEid)?.[0] ?? 0;
        const guid = this.#guid();
        const tx = await this.#write(proc, chainId, "vault", (s, hash) => {
          const held = s.balances.get(VAULT) ?? 0n;
          if (held < amount) throw new SimRevertError(`vault holds ${held}, cannot send ${amount}`);
          s.balances.set(VAULT, held - amount); // burnt here, minted on delivery
          s.packets.push({ guid, to, recipient, amount, tx: hash });
          s.marks.push({ stepId, to: recipient, amount, tx: hash, block: s.block, guid });
        }).catch(reverted(chainId, stepId));
        return { transactionHash: hex(tx), guid: hex(guid), sent: true };
      },
    };
  }

  // ------------------------------------------------------------------ faults

  async #read(proc: SimProcess, chainId: number): Promise<SimChain> {
    await this.#yield(proc);
    this.#alive(proc);
    if (this.#take(chainId, (f) => f.kind === "read-error")) throw new SimRpcError(`read of chain ${chainId} failed`);
    return this.chain(chainId);
  }

  async #write(
    proc: SimProcess,
    chainId: number,
    from: SimSender,
    apply: (state: SimChainState, hash: string) => void,
  ): Promise<string> {
    await this.#yield(proc);
    this.#alive(proc);
    const fault = this.#take(chainId, (f) => f.kind !== "read-error");
    if (fault?.kind === "rpc-error") throw new SimRpcError(`chain ${chainId}: connection reset before broadcast`);
    const hash = this.#hash(chainId);
    this.chain(chainId).land({ hash, from, apply: (s) => apply(s, hash) });
    if (fault?.kind === "timeout") throw new SimRpcError(`chain ${chainId}: timed out waiting for ${hash}`);
    if (fault?.kind === "crash") {
      proc.dead = true;
      this.stats.crashes++;
      throw new ProcessCrash(`after ${hash} landed on ${chainId}`);
    }
    return hash;
  }

  #take(chainId: number, matches: (fault: ArmedChainFault) => boolean): ArmedChainFault | undefined {
    const at = this.chainFaults.findIndex((f) => f.chainId === chainId && matches(f));
    const fault = this.chainFaults[at];
    if (!fault) return undefined;
    if (fault.skip > 0) {
      fault.skip--;
      return undefined;
    }
    this.chainFaults.splice(at, 1);
    this.stats.faultsFired++;
    return fault;
  }

  #alive(proc: SimProcess): void {
    if (proc.dead) throw new ProcessCrash("earlier in this run");
  }

  async #yield(proc: SimProcess): Promise<void> {
    const turns = Math.floor(proc.next() * 4);
    for (let i = 0; i < turns; i++) await Promise.resolve();
  }

  #jobStore(proc: SimProcess): JobStore {
    const inner = this.jobs;
    const check = async () => {
      await this.#yield(proc);
      this.#alive(proc);
    };
    return {
      create: async (job) => {
        await check();
        return inner.create(job);
      },
      get: async (id) => {
        await check();
        return inner.get(id);
      },
      listByStatus: async (status, options) => {
        await check();
        return inner.listByStatus(status, options);
      },
      transition: async (expected, next) => {
        await check();
        const at = this.storeFaults.findIndex(() => true);
        const fault = this.storeFaults[at];
        if (fault && fault.skip > 0) fault.skip--;
        else if (fault) {
          this.storeFaults.splice(at, 1);
          this.stats.faultsFired++;
          this.stats.crashes++;
          proc.dead = true;
          if (fault.kind === "crash-after") await inner.transition(expected, next);
          throw new ProcessCrash(`at the job store write of ${expected.id} (${fault.kind})`);
        }
        return inner.transition(expected, next);
      },
    };
  }

  #cursorStore(proc: SimProcess): CursorStore {
    return {
      get: async (id) => {
        this.#alive(proc);
        return this.cursors.get(id);
      },
      advance: async (next, expected) => {
        this.#alive(proc);
        return this.cursors.advance(next, expected);
      },
    };
  }

  #jobBase(id: string, kind: Job["kind"], sourceChainId: number, destinationChainId: number, tx: string) {
    return {
      id,
      kind,
      status: "observed" as const,
      version: 1,
      source: { chainId: sourceChainId, transaction: tx, block: 0n, blockHash: tx, index: 0 },
      destinationChainId,
      transport: "layerzero" as const,
      payload: "0x" as const,
      attempts: 0,
      createdAt: this.clock.ms,
      updatedAt: this.clock.ms,
    };
  }

  #hash(chainId: number): string {
    return `0x${chainId.toString(16)}${(++this.#txs).toString(16).padStart(8, "0")}`;
  }

  #guid(): string {
    return `0x${(++this.#guids).toString(16).padStart(64, "0")}`;
  }
}

/** The escrow record of `epoch` in a chain state. */
function escrowOf(state: SimChainState, epoch: bigint): SimEscrowEpoch {
  const r = state.escrow.get(epoch);
  if (!r) throw new SimRevertError(`no escrow record for epoch ${epoch}`);
  return r;
}

/** What buyers paid into an escrow epoch. */
function paidOf(r: SimEscrowEpoch): bigint {
  return r.payments.reduce((sum, p) => sum + p.amount, 0n);
}

/** The escrow's `_applyPayout`: paid bit once, after release; the payout completing 10,000 bps takes the dust. */
function applyPayout(s: SimChainState, epoch: bigint, index: number, chainId: number): void {
  const r = escrowOf(s, epoch);
  const payee = PAYEES[index];
  if (!payee) throw new SimRevertError(`no payee ${index}`);
  if (!r.released) throw new SimRevertError("NotReleased");
  if (r.paidBits.has(index)) throw new SimRevertError("PayoutAlreadyPaid");
  const totalBps = r.paidOutBps + payee.shareBps;
  const released = paidOf(r) - r.refunded;
  const amount = totalBps === 10_000 ? released - r.paidOut : (released * BigInt(payee.shareBps)) / 10_000n;
  if (totalBps === 10_000) r.dustIndex = index;
  r.paidBits.set(index, amount);
  r.paidOutBps = totalBps;
  r.paidOut += amount;
  // A payee paid on this chain is paid directly; any other share goes to this chain's netting vault.
  if (amount > 0n) transfer(s, ESCROW, payee.chain === chainId ? payee.account : VAULT, amount);
  s.payoutLog.push({ epoch, index });
}

/** A vault transaction that reverted, as `EvmNettingVault` reports it (not retryable). */
function reverted(chainId: number, stepId: string): (error: unknown) => never {
  return (error) => {
    if (error instanceof SimRevertError) {
      throw new NettingTransactionRevertedError({ chainId, stepId, transactionHash: error.shortMessage });
    }
    throw error;
  };
}

function hex(value: string): Hex {
  if (!isHex(value)) throw new Error(`not hex: ${value}`);
  return value;
}

function isHex(value: string): value is Hex {
  return /^0x[0-9a-f]*$/.test(value);
}

function asHex(value: string | undefined): Hex | undefined {
  return value === undefined ? undefined : hex(value);
}
