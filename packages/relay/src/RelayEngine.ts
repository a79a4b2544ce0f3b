import {
  type Clock,
  type ConfirmedJob,
  type DeadLetteredJob,
  type FailedJob,
  type FinalizedJob,
  type Job,
  type JobStore,
  NotReadyError,
  nextRetryDelay,
  type PayoutPublisher,
  type ReceiptSource,
  type RetryPolicy,
  type SettlementTarget,
  SlabridgeError,
  type SubmittedJob,
  type Transport,
  type TransportName,
} from "@slabridge/core";

/** Everything the engine needs, as ports: the same engine runs in Lambda and in the local runtime. */
export interface RelayEngineOptions {
  jobs: JobStore;
  transports: Partial<Record<TransportName, Transport>>;
  receiptSources: ReadonlyMap<number, ReceiptSource>;
  /** Puts a job id on the relay queue. */
  enqueue(jobId: string): Promise<void>;
  clock: Clock;
  retry: RetryPolicy;
  /** Payments per receipt batch. */
  maxPaymentsPerBatch: number;
  /** Escrows that refund and release, by payment chain id (refund and settle jobs). */
  settlementTargets?: ReadonlyMap<number, SettlementTarget>;
  /**
   * Publishes a released epoch's payouts from the home chain (settle jobs). Absent: a settle job ends at the release.
   */
  payouts?: PayoutPublisher;
  /**
   * How long a settle job's claim on publishing payouts holds (default 5 min, the sweep's `stuckAfterMs`): other
   * workers wait while it holds; after it, the claim holder is taken for dead and the payouts are checked again.
   */
  payoutClaimMs?: number;
  /** Payments refunded per refund transaction (stage config `batching.maxRefundsPerTransaction`). Default 100. */
  maxRefundsPerTransaction?: number;
  /**
   * How long a refund or settle job waits before looking again when the verdict has not reached its chain yet (it
   * comes whenever the probers report and the message is delivered, so there is no date to wait for). Default 60 s.
   */
  verdictPollMs?: number;
  /** Upper bound on transitions per `process` call, so one message can't spin forever. */
  maxStepsPerRun?: number;
  /**
   * A job not moved for this long in a working state (observed, finalized, submitted) is queued again by the sweep:
   * its queue message may be lost (a crash between storing a job and queueing it, a purged queue). Default 5 min.
   */
  stuckAfterMs?: number;
  random?: () => number;
}

/** What one `process` call did. */
export type ProcessOutcome =
  | { jobId: string; result: "confirmed" | "waiting" | "failed" | "dead-lettered" | "already-final"; job: Job }
  | { jobId: string; result: "unknown-job" };

/** `destinationTransaction` of a settle job that claimed its payouts before sending anything. */
const PAYOUT_CLAIM_MARKER = "payouts-claimed";

/** Another worker holds the claim on a settle job's payouts: not a failure, nothing is written; it finishes them. */
export class PayoutsClaimedError extends SlabridgeError {
  override readonly name = "PayoutsClaimedError" as const;
  constructor(
    jobId: string,
    readonly claimEndsAt: number,
  ) {
    super(`job ${jobId}: payouts are being published by another worker`, { retryable: true });
  }
}

/** No transport is configured for a job's route. */
export class MissingTransportError extends SlabridgeError {
  override readonly name = "MissingTransportError" as const;
  constructor(transport: string) {
    super(`no ${transport} transport configured`, { retryable: false });
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
        return this.#relayReceipts(job);
      case "refund":
        return this.#refund(job);
      case "settle":
        return this.#settle(job, current);
    }
  }

  /** Refunds every payment of a settled (model, epoch), batch by batch; confirms once the cursor reached the end. */
  async #refund(job: FinalizedJob | SubmittedJob): Promise<void> {
    const { target, modelId, epoch } = this.#settlement(job);
    const last = await this.#refundAll(target, modelId, epoch);
    await this.#confirm(job, last, last === "");
  }

  /**
   * Releases a settled (model, epoch) exactly once, then publishes its payouts to this chain from the home chain, in
   * payout index order (the escrow gives the rounding dust to the payout that completes 10,000 bps). Refunds still
   * pending are pushed first (the same idempotent loop as a refund job), since the escrow releases only after the
   * last refund. Each payout is checked right before it is published (destination paid bit, home PayoutPublished
   * logs), so a crash between a publish and its record never publishes it again; and one worker at a time publishes:
   * it claims the job (finalized -> submitted, one conditional write) first, others wait while the claim holds.
   */
  async #settle(job: FinalizedJob | SubmittedJob, current: { job: FinalizedJob | SubmittedJob }): Promise<void> {
    const { target, modelId, epoch } = this.#settlement(job);
    if (job.status === "submitted") {
      const claimEndsAt = job.submittedAt + this.#payoutClaimMs();
      if (this.#o.clock.now() < claimEndsAt) throw new PayoutsClaimedError(job.id, claimEndsAt);
      // The claim holder died (or is far too slow): back to finalized without spending an attempt, check again.
      throw new NotReadyError("payout claim expired; checking the payouts again", this.#o.clock.now());
    }
    let last = "";
    if (!(await target.state(modelId, epoch)).released) {
      last = await this.#refundAll(target, modelId, epoch);
      try {
        last = (await target.release(modelId, epoch)).transaction;
      } catch (error) {
        // Another worker released between our read and our send (the escrow reverts the second release): go on.
        if (!(await target.state(modelId, epoch)).released) throw error;
      }
    }
    const payouts = this.#o.payouts;
    const serves = payouts?.servesChain(job.destinationChainId) ?? false;
    const open = payouts && serves ? await this.#openPayouts(payouts, job.destinationChainId, modelId, epoch) : [];
    if (!payouts || open.length === 0) return this.#confirm(job, last, last === "");

    const claimed: SubmittedJob = {
      ...this.#base(job),
      status: "submitted",
      confirmations: job.confirmations,
      // A claim, not a send yet: the release (if this call made it) or a marker, since the field must not be empty.
      destinationTransaction: last || PAYOUT_CLAIM_MARKER,
      submittedAt: this.#o.clock.now(),
    };
    if (!(await this.#move(job, claimed))) return; // another worker claimed it: the caller re-reads and waits
    current.job = claimed;
    let published = 0;
    for (const index of open) {
      // Asked again right before sending: the claim keeps other workers out, this keeps a stale list honest.
      if ((await payouts.status(job.destinationChainId, modelId, epoch, index)) !== "open") continue;
      last = (await payouts.publish(job.destinationChainId, modelId, epoch, index)).transaction;
      published++;
    }
    await this.#confirm(claimed, last, last === "" && published === 0);
  }

  /** Payout indexes of the (model, epoch) not yet paid on `chainId` nor published to it, in index order. */
  async #openPayouts(payouts: PayoutPublisher, chainId: number, modelId: bigint, epoch: bigint): Promise<number[]> {
    const count = await payouts.payoutCount(modelId, epoch);
    const open: number[] = [];
    for (let index = 0; index < count; index++) {
      if ((await payouts.status(chainId, modelId, epoch, index)) === "open") open.push(index);
    }
    return open;
  }

  #payoutClaimMs(): number {
    return this.#o.payoutClaimMs ?? this.#o.stuckAfterMs ?? 300_000;
  }

  /** Pushes refund batches until the escrow's cursor reaches the end; returns the last transaction we sent, or "". */
  async #refundAll(target: SettlementTarget, modelId: bigint, epoch: bigint): Promise<string> {
    let last = "";
    for (;;) {
      const state = await target.state(modelId, epoch);
      if (!state.verdictApplied) {
        throw new NotReadyError(
          "no verdict on the payment chain yet",
          this.#o.clock.now() + (this.#o.verdictPollMs ?? 60_000),
        );
      }
      if (state.refundsDone) return last;
      // The escrow's refund cursor makes each payment refunded at most once, even if we crash right after this.
      const { transaction } = await target.refundNext(modelId, epoch, this.#o.maxRefundsPerTransaction ?? 100);
      last = transaction;
    }
  }

  #settlement(job: FinalizedJob | SubmittedJob): { target: SettlementTarget; modelId: bigint; epoch: bigint } {
    const epochRef = job.epochRef;
    if (!epochRef) throw new SlabridgeError(`job ${job.id} has no (model, epoch)`, { retryable: false });
    // Refunds and releases happen on the payment chain, which is where the job points.
    const target = this.#o.settlementTargets?.get(job.destinationChainId);
    if (!target) {
      throw new SlabridgeError(`no settlement target for chain ${job.destinationChainId}`, { retryable: false });
    }
    return { target, modelId: epochRef.modelId, epoch: epochRef.epoch };
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
    const { transactions, status: after } = await transport.deliver(ref, job.destinationChainId);
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
      const { transaction } = await source.relayNextBatch(
        epochRef.modelId,
        epochRef.epoch,
        job.transport,
        this.#o.maxPaymentsPerBatch,
      );
      last = transaction;
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
    if (error instanceof PayoutsClaimedError) return { jobId: job.id, result: "waiting", job };
    if (error instanceof NotReadyError) {
      // Not a failure of ours: park it until it can be ready, without spending an attempt.
      const parked: FailedJob = {
        ...this.#base(job),
        status: "failed",
        reason: `not ready: ${error.shortMessage}`,
        retryable: true,
        nextAttemptAt: error.retryAt,
      };
      if (!(await this.#o.jobs.transition(job, parked))) return undefined;
      // Ready again already (e.g. an expired payout claim): go on, the loop moves it back to work.
      if (error.retryAt <= now) return undefined;
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
    return { jobId: job.id, result: "failed", job: failed };
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
