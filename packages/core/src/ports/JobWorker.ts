import type { FinalizedJob, JobKind, PayoutClaim, SubmittedJob } from "../jobs/jobTypes.ts";

/**
 * One run of a worker over one job, handed over by the relay engine: the job as read at the start of the run, and
 * the steps a worker may record. Each step is one conditional write made by the engine.
 */
export interface JobRun {
  readonly job: FinalizedJob | SubmittedJob;
  /**
   * Claims a finalized settle job's payouts (finalized -> submitted with `claim`) before anything is published.
   * Resolves with the claimed job, or undefined when another worker moved the job first: then stop, the engine
   * reads the job again. A failure after a successful claim is recorded on the claimed job.
   */
  claimPayouts(claim: PayoutClaim): Promise<SubmittedJob | undefined>;
  /**
   * Confirms the job (the current state: the claimed one after a claim). `transaction` is the last one this run sent
   * ("" for none); `alreadyDone` says the destination had the effect before this run.
   */
  confirm(transaction: string, alreadyDone: boolean): Promise<void>;
}

/**
 * Does one kind of job's work for the relay engine (refund and settle jobs: `@slabridge/settlement`). It moves the
 * job through the {@link JobRun} it is given and tells the engine the rest by what it throws: `NotReadyError` parks
 * the job without spending an attempt, `ClaimHeldError` leaves it untouched ("waiting"), any other error is a failed
 * attempt (retried unless the error says it is not retryable).
 *
 * @example
 * const worker: JobWorker = { run: async (run) => run.confirm(await sendIt(run.job), false) };
 * new RelayEngine({ ...options, workers: { refund: worker } });
 */
export interface JobWorker {
  run(run: JobRun): Promise<void>;
}

/** Job kinds whose work the relay engine hands to a {@link JobWorker} instead of doing it itself. */
export type WorkerJobKind = Extract<JobKind, "refund" | "settle">;

/** The workers a relay engine dispatches to, by job kind. */
export type JobWorkers = Partial<Record<WorkerJobKind, JobWorker>>;
