import { SlabridgeError } from "../errors/SlabridgeError.ts";

/**
 * Another worker holds a claim on the job (a submitted job still inside its claim window): not a failure. The relay
 * engine writes nothing and answers "waiting"; the holder finishes the job, or its claim runs out. Subclasses name
 * the claim (e.g. settlement's `PayoutsClaimedError`).
 *
 * @example if (now < claimEndsAt) throw new ClaimHeldError(job.id, claimEndsAt, "its payouts are being published");
 */
export class ClaimHeldError extends SlabridgeError {
  // A plain string so that subclasses can name themselves with a literal.
  override readonly name: string = "ClaimHeldError";
  constructor(
    jobId: string,
    readonly claimEndsAt: number,
    what = "another worker holds its claim",
  ) {
    super(`job ${jobId}: ${what}`, { retryable: true });
  }
}
