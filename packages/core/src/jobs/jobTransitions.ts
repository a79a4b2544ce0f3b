import { SlabridgeError } from "../errors/SlabridgeError.ts";
import type { JobStatus } from "./jobTypes.ts";

/** The only steps a job may take; the store refuses any other (and any step from a stale version). */
export const LEGAL_TRANSITIONS: Readonly<Record<JobStatus, readonly JobStatus[]>> = {
  observed: ["finalized", "failed"],
  finalized: ["submitted", "confirmed", "failed"],
  submitted: ["confirmed", "failed"],
  // A refund or settle job is re-armed when the chain shows its work undone after it confirmed (a reorg dropped it).
  confirmed: ["finalized"],
  failed: ["finalized", "dead-lettered"],
  "dead-lettered": ["finalized"],
};

/** A job was asked to take a step its state machine does not have. */
export class IllegalTransitionError extends SlabridgeError {
  override readonly name = "IllegalTransitionError" as const;
  constructor(
    readonly jobId: string,
    readonly from: JobStatus,
    readonly to: JobStatus,
  ) {
    super(`job ${jobId}: ${from} -> ${to} is not a legal step`, { retryable: false });
  }
}

/**
 * Throws unless `from -> to` is a legal step.
 *
 * @example assertTransition(job.id, job.status, "submitted");
 */
export function assertTransition(jobId: string, from: JobStatus, to: JobStatus): void {
  if (!LEGAL_TRANSITIONS[from].includes(to)) throw new IllegalTransitionError(jobId, from, to);
}

/** Tiered retry policy: fast retries for hiccups, then slower ones, then dead-letter. */
export interface RetryPolicy {
  /** Delays (ms) per tier; attempt n uses tier min(n - 1, last). */
  tiersMs: readonly number[];
  /** Attempts after which a job is dead-lettered. */
  maxAttempts: number;
  /** Jitter as a fraction of the delay (0.2 = +-20%), so retries of many jobs do not stampede. */
  jitter: number;
}

/** Production default: 5 s, 30 s, 2 min, 10 min, then every 30 min; dead-letter after 12 attempts. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  tiersMs: [5_000, 30_000, 120_000, 600_000, 1_800_000],
  maxAttempts: 12,
  jitter: 0.2,
};

/**
 * Delay before attempt `attempts + 1`, or `undefined` when the job should be dead-lettered instead.
 * `random` is injectable so tests are deterministic.
 *
 * @example const delay = nextRetryDelay(job.attempts, DEFAULT_RETRY_POLICY); // 5000 +- 20% after 1 attempt
 */
export function nextRetryDelay(
  attempts: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number | undefined {
  if (attempts >= policy.maxAttempts) return undefined;
  const tier = policy.tiersMs[Math.min(Math.max(attempts - 1, 0), policy.tiersMs.length - 1)] ?? 0;
  const spread = tier * policy.jitter * (2 * random() - 1);
  return Math.max(0, Math.round(tier + spread));
}
