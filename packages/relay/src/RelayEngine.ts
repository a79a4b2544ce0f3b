import {
  AlreadyDoneAtDestinationError,
  ClaimHeldError,
  type Clock,
  type ConfirmedJob,
  type DeadLetteredJob,
  type FailedJob,
  type FinalizedJob,
  type Job,
  type JobRun,
  type JobStore,
  type JobWorkers,
  LeaseHeldError,
  NotReadyError,
  nextRetryDelay,
  type PayoutClaim,
  type ReceiptSource,
  type RetryPolicy,
  SlabridgeError,
  type SubmittedJob,
  type Transport,
  type TransportName,
  type WorkerJobKind,
} from "@slabridge/core";

/** Everything the engine needs, as ports: the same engine runs in Lambda and in the local runtime. */
export interface RelayEngineOptions {
  jobs: JobStore;
  transports: Partial<Record<TransportName, Transport>>;
  receiptSources: ReadonlyMap<number, ReceiptSource>;
  /** Puts a job id on the relay queue. */
  enqueue(jobId: string): Promise<void>;
  /**
   * Puts a job id on the relay queue to be delivered after `delaySeconds` (SQS `DelaySeconds`, at most
   * {@link MAX_QUEUE_DELAY_SECONDS}). With it, a job parked until a known time (an epoch's end, a retry backoff) is
   * handed back to the queue for that time instead of waiting for the retry schedule's next run, which stays the
   * safety net (a lost or early message changes nothing: processing is idempotent). Absent: the schedule alone.
   */
  enqueueAfter?(jobId: string, delaySeconds: number): Promise<void>;
  clock: Clock;
  retry: RetryPolicy;
  /** Payments per receipt batch. */
  maxPaymentsPerBatch: number;
  /**
   * Workers for the job kinds the engine does not do itself, by kind: refund and settle jobs
   * (`createSettlementWorkers` of `@slabridge/settlement`). A job whose kind has no worker is dead-lettered.
   */
  workers?: JobWorkers;
  /**
   * The kill switch and rate limits (`RouteControls`): asked right before a job sends; a job it holds (a paused chain
   * or route, a route over its value-per-hour limit) is parked with the reason, no attempt spent.
   */
  controls?: { admit(job: Job): Promise<void> };
  /** Upper bound on transitions per `process` call, so one message can't spin forever. */
  maxStepsPerRun?: number;
  /**
   * A job not moved for this long in a working state (observed, finalized, submitted) is queued again by the sweep:
   * its queue message may be lost (a crash between storing a job and queueing it, a purged queue). Default 5 min.
   */
  stuckAfterMs?: number;
  random?: () => number;
}

/** The longest delay SQS takes on a message (15 minutes); a job due later waits for the retry schedule. */
const MAX_QUEUE_DELAY_SECONDS = 900;

/** What one `process` call did. */
export type ProcessOutcome =
  | { jobId: string; result: "confirmed" | "waiting" | "failed" | "dead-lettered" | "already-final"; job: Job }
  | { jobId: string; result: "unknown-job" };

/** No transport is configured for a job's route. */
export class MissingTransportError extends SlabridgeError {
  override readonly name = "MissingTransportError" as const;
  constructor(transport: string) {
    super(`no ${transport} transport configured`, { retryable: false });
  }
}

/** No worker is configured for a job's kind (e.g. refund jobs on a relay built without settlement). */
export class MissingWorkerError extends SlabridgeError {
  override readonly name = "MissingWorkerError" as const;
  constructor(kind: WorkerJobKind) {
    super(`no ${kind} worker configured`, { retryable: false });
  }
}

/**
 * The relay engine. Each job moves one legal step at a time through conditional writes; before any submit it asks
 * the destination (through the transport or the receipt source) what is already done, and on-chain replay protection
 * stands behind that. So a crash at any point, a duplicate queue delivery or two workers racing never deliver twice:
 * the loser of a race re-reads the job and sees the winner's step.
 *
 * @example
 * const engine = new RelayEngine({ jobs, transports: { layerzero, wormhole }, receiptSources, enqueue, clock, retry, maxPaymentsPerBatch: 100 });
 * await engine.ingest(job);          // from a watcher: stores it once, queues it
 * await engine.process(job.id);      // from the relay queue consumer
 */
export class RelayEngine {
  readonly #o: RelayEngineOptions;

  constructor(options: RelayEngineOptions) {
    this.#o = options;
  }

  /** Stores an observed job unless it exists (a duplicate observation) and queues it. */
  async ingest(job: Job): Promise<"created" | "exists"> {
    const result = await this.#o.jobs.create(job);
    if (result === "created") await this.#o.enqueue(job.id);
    return result;
  }

  /** Advances one job as far as it can go now. Safe to call any number of times, concurrently. */
  async process(jobId: string): Promise<ProcessOutcome> {
    const maxSteps = this.#o.maxStepsPerRun ?? 16;
    let backToWork = 0;
    for (let step = 0; step < maxSteps; step++) {
      const job = await this.#o.jobs.get(jobId);
      if (!job) return { jobId, result: "unknown-job" };
      switch (job.status) {
        case "confirmed":
          return { jobId, result: step === 0 ? "already-final" : "confirmed", job };
        case "dead-lettered":
          return { jobId, result: step === 0 ? "already-final" : "dead-lettered", job };
        case "failed":
          if (!job.retryable) {
            await this.#move(job, this.#deadLetter(job, job.reason));
            continue;
          }
          if (job.nextAttemptAt > this.#o.clock.now()) return { jobId, result: "waiting", job };
          // Due by our clock but not ready by its source's again (a chain a block behind ours): with a hand-back, look
          // again in a second rather than spinning through the step budget on reads and writes.
          if (backToWork++ > 0 && this.#o.enqueueAfter) {
            await this.#handBack(job.id, this.#o.clock.now() + 1_000);
            return { jobId, result: "waiting", job };
          }
          await this.#move(job, this.#refinalize(job));
          continue;
        case "observed":
          // Watchers only emit past the source's confirmations, so an observed job is final on its source.
          await this.#move(job, { ...this.#base(job), status: "finalized", confirmations: 0 });
          continue;
        case "finalized":
        case "submitted": {
          // The work may move the job itself (a settle job claims its payouts); failures are recorded on that state.
          const current: { job: FinalizedJob | SubmittedJob } = { job };
          try {
            await this.#work(job, current);
          } catch (error) {
            const failed = await this.#fail(current.job, error);
            if (failed) return failed;
          }
          continue;
        }
        default: {
          const never: never = job;
          throw new Error(`unhandled job state ${(never as Job).status}`);
        }
      }
    }
    const job = await this.#o.jobs.get(jobId);
    // Out of steps while it keeps coming back ready (a chain's clock a block behind ours): look again in a second.
    if (job?.status === "failed" && job.retryable) {
      await this.#handBack(job.id, Math.max(job.nextAttemptAt, this.#o.clock.now() + 1_000));
    }
    return job ? { jobId, result: "waiting", job } : { jobId, result: "unknown-job" };
  }

  /**
   * The retry schedule: moves failed jobs whose backoff has elapsed back to work, dead-letters those that cannot be
   * retried, and queues again jobs stuck in a working state (their queue message was lost). Returns the ids queued.
   */
  async retryDue(limit = 100): Promise<string[]> {
    const now = this.#o.clock.now();
    const queued: string[] = [];
    for (const job of await this.#o.jobs.listByStatus("failed", { limit })) {
      if (job.status !== "failed") continue;
      const next = job.retryable && job.nextAttemptAt <= now ? this.#refinalize(job) : undefined;
      const deadLetter = !job.retryable ? this.#deadLetter(job, job.reason) : undefined;
      const target = next ?? deadLetter;
      if (target && (await this.#o.jobs.transition(job, target)) && next) {
        await this.#o.enqueue(job.id);
        queued.push(job.id);
      }
    }
    const stuckBefore = now - (this.#o.stuckAfterMs ?? 300_000);
    for (const status of ["observed", "finalized", "submitted"] as const) {
      for (const job of await this.#o.jobs.listByStatus(status, { limit, updatedBefore: stuckBefore })) {
        await this.#o.enqueue(job.id); // processing is idempotent, so a spare message costs one read
        queued.push(job.id);
      }
    }
    return queued;
  }

  /** Operator command: gives a dead-lettered job a fresh set of attempts and queues it. */
  async retryDeadLettered(jobId: string): Promise<boolean> {
    const job = await this.#o.jobs.get(jobId);
    if (job?.status !== "dead-lettered") return false;
    return this.#rearm(job);
  }

  /**
   * Puts a finished (dead-lettered or confirmed) job back to work with a fresh set of attempts and queues it: for a
   * caller that saw on chain that the job's work is not done (its attempts ran out before it was, or a reorg dropped
   * what it did after it confirmed). One conditional write: two callers re-arm it once; a job in any other state (at
   * work, waiting on a retry) is left as it is (`busy`). A confirmed job is re-armed only if it is a refund or settle
   * job (their work re-reads where settling stands before every transaction, so a spare run is harmless), and only
   * if it confirmed before `confirmedBefore`: a job that just confirmed is left alone (`recent`), since a read
   * that shows its work undone may simply not see its last transactions yet (a node a block behind, a cached head).
   *
   * @example
   * const outcome = await engine.rearm(jobId, { confirmedBefore: clock.now() - 300_000 });
   * if (outcome === "busy") await enqueue(jobId);
   */
  async rearm(jobId: string, options: { confirmedBefore?: number } = {}): Promise<"re-armed" | "busy" | "recent"> {
    const job = await this.#o.jobs.get(jobId);
    if (job?.status === "dead-lettered") return (await this.#rearm(job)) ? "re-armed" : "busy";
    // A confirmed delivery or receipt relay is done for good; refund and settle jobs re-read the chain first.
    if (job?.status !== "confirmed" || (job.kind !== "refund" && job.kind !== "settle")) return "busy";
    if (options.confirmedBefore !== undefined && job.confirmedAt > options.confirmedBefore) return "recent";
    return (await this.#rearm(job)) ? "re-armed" : "busy";
  }

  async #rearm(job: Job): Promise<boolean> {
    const jobId = job.id;
    const next: FinalizedJob = { ...this.#base(job), status: "finalized", confirmations: 0, attempts: 0 };
    if (!(await this.#o.jobs.transition(job, next))) return false;
    await this.#o.enqueue(jobId);
    return true;
  }

  async #work(job: FinalizedJob | SubmittedJob, current: { job: FinalizedJob | SubmittedJob }): Promise<void> {
    switch (job.kind) {
      case "deliver-message":
        return this.#deliver(job);
      case "relay-receipts":
        await this.#o.controls?.admit(job);
        return this.#relayReceipts(job);
      case "refund":
      case "settle": {
        const worker = this.#o.workers?.[job.kind];
        if (!worker) throw new MissingWorkerError(job.kind);
        await this.#o.controls?.admit(job);
        return worker.run(this.#run(job, current));
      }
    }
  }

  /** What a worker may do to the job in this run; `current` follows the job through a claim. */
  #run(job: FinalizedJob | SubmittedJob, current: { job: FinalizedJob | SubmittedJob }): JobRun {
    return {
      job,
      claimPayouts: async (claim: PayoutClaim) => {
        if (current.job.status !== "finalized") {
          throw new SlabridgeError(`job ${job.id}: only a finalized job can claim its payouts`, { retryable: false });
        }
        const claimed: SubmittedJob = {
          ...this.#base(current.job),
          status: "submitted",
          confirmations: current.job.confirmations,
          payoutClaim: claim,
          submittedAt: claim.claimedAt,
        };
        if (!(await this.#move(current.job, claimed))) return undefined; // another worker moved it: re-read, wait
        current.job = claimed;
        return claimed;
      },
      confirm: (transaction: string, alreadyDone: boolean) => this.#confirm(current.job, transaction, alreadyDone),
    };
  }

  async #deliver(job: FinalizedJob | SubmittedJob): Promise<void> {
    const ref = job.messageRef;
    if (!ref) throw new SlabridgeError(`job ${job.id} has no message ref`, { retryable: false });
    const transport = this.#transport(ref.transport);
    // Ask the destination first: someone (another worker, a previous run that crashed) may have delivered it.
    const status = await transport.status(ref, job.destinationChainId);
    if (status === "delivered") return this.#confirm(job, "", true);
    if (status === "failed") {
      throw new SlabridgeError(`destination refuses message ${ref.messageId}`, { retryable: false });
    }
    await this.#o.controls?.admit(job); // delivered by someone else is confirmed above, paused or not
    let delivery: Awaited<ReturnType<Transport["deliver"]>>;
    try {
      delivery = await transport.deliver(ref, job.destinationChainId);
    } catch (error) {
      // The destination already has what this message carries (a duplicate publish of a paid payout): delivered.
      if (error instanceof AlreadyDoneAtDestinationError) return this.#confirm(job, "", true);
      throw error;
    }
    const { transactions, status: after } = delivery;
    if (after !== "delivered") {
      throw new SlabridgeError(`message ${ref.messageId} is ${after} after delivery`, { retryable: true });
    }
    await this.#confirm(job, transactions.at(-1) ?? "", transactions.length === 0);
  }

  async #relayReceipts(job: FinalizedJob | SubmittedJob): Promise<void> {
    const epochRef = job.epochRef;
    if (!epochRef) throw new SlabridgeError(`job ${job.id} has no (model, epoch)`, { retryable: false });
    const source = this.#o.receiptSources.get(job.source.chainId);
    if (!source) throw new SlabridgeError(`no receipt source for chain ${job.source.chainId}`, { retryable: false });
    let last = "";
    for (;;) {
      const progress = await source.progress(epochRef.modelId, epochRef.epoch);
      if (progress.relayedAll) return this.#confirm(job, last, last === "");
      if (!progress.epochOver) throw new NotReadyError("epoch not over on the payment chain", progress.epochEndsAt);
      // The source's own cursor (on chain for EVM) makes each batch go out once, even if we crash right here.
      try {
        const { transaction } = await source.relayNextBatch(
          epochRef.modelId,
          epochRef.epoch,
          job.transport,
          this.#o.maxPaymentsPerBatch,
        );
        last = transaction;
      } catch (error) {
        // A second worker on the same job (a duplicate or handed-back message) sent the last batch between our read
        // and our send, so the source refuses ours (nothing left to relay): the work is done, not failed.
        if ((await source.progress(epochRef.modelId, epochRef.epoch)).relayedAll) {
          return this.#confirm(job, last, last === "");
        }
        throw error;
      }
    }
  }

  async #confirm(job: FinalizedJob | SubmittedJob, transaction: string, alreadyDone: boolean): Promise<void> {
    const now = this.#o.clock.now();
    const next: ConfirmedJob = {
      ...this.#base(job),
      status: "confirmed",
      ...(transaction ? { destinationTransaction: transaction } : {}),
      alreadyDone,
      confirmedAt: now,
    };
    await this.#move(job, next);
  }

  /** Records a failure; returns an outcome when processing should stop for now. */
  async #fail(job: FinalizedJob | SubmittedJob, error: unknown): Promise<ProcessOutcome | undefined> {
    const now = this.#o.clock.now();
    if (error instanceof ClaimHeldError) return { jobId: job.id, result: "waiting", job };
    if (error instanceof NotReadyError || error instanceof LeaseHeldError) {
      // Not a failure of ours: park it until it can be ready (or the lease may be free), without spending an attempt.
      const parked: FailedJob = {
        ...this.#base(job),
        status: "failed",
        reason: `${error instanceof LeaseHeldError ? "waiting on a lease" : "not ready"}: ${error.shortMessage}`,
        retryable: true,
        nextAttemptAt: error.retryAt,
      };
      if (!(await this.#o.jobs.transition(job, parked))) return undefined;
      // Ready again already (e.g. an expired payout claim): go on, the loop moves it back to work.
      if (error.retryAt <= now) return undefined;
      await this.#handBack(job.id, error.retryAt);
      return { jobId: job.id, result: "waiting", job: parked };
    }
    const retryable = error instanceof SlabridgeError ? error.retryable : true;
    const reason = error instanceof Error ? `${error.name}: ${error.message.split("\n")[0]}` : String(error);
    const attempts = job.attempts + 1;
    const delay = retryable ? nextRetryDelay(attempts, this.#o.retry, this.#o.random) : undefined;
    const failed: FailedJob = {
      ...this.#base(job),
      status: "failed",
      attempts,
      reason,
      retryable: delay !== undefined,
      nextAttemptAt: now + (delay ?? 0),
    };
    if (!(await this.#o.jobs.transition(job, failed))) return undefined; // someone moved it: re-read
    if (delay === undefined) {
      await this.#move(failed, this.#deadLetter(failed, reason));
      const dead = (await this.#o.jobs.get(job.id)) ?? failed;
      return { jobId: job.id, result: "dead-lettered", job: dead };
    }
    await this.#handBack(job.id, failed.nextAttemptAt);
    return { jobId: job.id, result: "failed", job: failed };
  }

  /**
   * Hands a job this run parked back to the queue for the time it is due (whole seconds, rounded up, so it is not
   * early by our clock). A run hands back only a job it parked (or left parked when out of steps), so each message
   * makes at most one more.
   */
  async #handBack(jobId: string, dueAt: number): Promise<void> {
    if (!this.#o.enqueueAfter) return;
    const delaySeconds = Math.max(0, Math.ceil((dueAt - this.#o.clock.now()) / 1_000));
    if (delaySeconds > MAX_QUEUE_DELAY_SECONDS) return; // the retry schedule queues it when due
    await this.#o.enqueueAfter(jobId, delaySeconds);
  }

  #refinalize(job: FailedJob): FinalizedJob {
    return { ...this.#base(job), status: "finalized", confirmations: 0 };
  }

  #deadLetter(job: FailedJob, reason: string): DeadLetteredJob {
    return { ...this.#base(job), status: "dead-lettered", reason, deadLetteredAt: this.#o.clock.now() };
  }

  /** The fields every state keeps, with the version bumped: the next state adds its own. */
  #base(job: Job) {
    return {
      id: job.id,
      kind: job.kind,
      version: job.version + 1,
      source: job.source,
      destinationChainId: job.destinationChainId,
      transport: job.transport,
      payload: job.payload,
      attempts: job.attempts,
      createdAt: job.createdAt,
      updatedAt: this.#o.clock.now(),
      ...(job.messageRef ? { messageRef: job.messageRef } : {}),
      ...(job.epochRef ? { epochRef: job.epochRef } : {}),
    };
  }

  /** One conditional step; losing a race is fine (the caller re-reads), anything else propagates. */
  async #move(from: Job, to: Job): Promise<boolean> {
    return this.#o.jobs.transition(from, to);
  }

  #transport(name: TransportName): Transport {
    const transport = this.#o.transports[name];
    if (!transport) throw new MissingTransportError(name);
    return transport;
  }
}
