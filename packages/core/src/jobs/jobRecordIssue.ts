import type { Job } from "./jobTypes.ts";

/** The fields {@link jobRecordIssue} reads: a stored item has them under the same names. */
export type JobRecordFields = Pick<Job, "kind" | "status"> & {
  destinationTransaction?: string | undefined;
  nonce?: number | undefined;
  payoutClaim?: unknown;
};

/**
 * What is wrong with a job record beyond its field types, or undefined when nothing is: the rules a state's fields
 * obey together. The store applies it to every item it writes and reads, so a record that would break the payout
 * claim (the guard against publishing a payout twice) is refused rather than stored or trusted:
 * - only a settle job carries a `payoutClaim`, and only while submitted;
 * - a submitted job has exactly one of `destinationTransaction` (it sent something) and `payoutClaim`;
 * - a payout claim has no `nonce` (it is not a transaction).
 *
 * @example jobRecordIssue({ kind: "refund", status: "submitted", payoutClaim: { claimedAt: 1 } }) // "only a settle job ..."
 */
export function jobRecordIssue(job: JobRecordFields): string | undefined {
  const claimed = job.payoutClaim !== undefined;
  if (claimed && job.kind !== "settle") return `only a settle job carries a payout claim, not a ${job.kind} job`;
  if (claimed && job.status !== "submitted") return `only a submitted job carries a payout claim, not a ${job.status}`;
  if (job.status !== "submitted") return undefined;
  const sent = job.destinationTransaction !== undefined;
  if (sent && claimed) return "a submitted job has a destination transaction or a payout claim, not both";
  if (!sent && !claimed) return "a submitted job needs a destination transaction or a payout claim";
  if (claimed && job.nonce !== undefined) return "a payout claim has no nonce";
  return undefined;
}
