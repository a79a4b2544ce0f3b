import { ClaimHeldError } from "@slabridge/core";

/**
 * Another worker holds the claim on a settle job's payouts: not a failure, nothing is written; the holder finishes
 * them (the relay engine answers "waiting", as for any {@link ClaimHeldError}).
 *
 * @example if (now < claimEndsAt) throw new PayoutsClaimedError(job.id, claimEndsAt);
 */
export class PayoutsClaimedError extends ClaimHeldError {
  override readonly name = "PayoutsClaimedError" as const;
  constructor(jobId: string, claimEndsAt: number) {
    super(jobId, claimEndsAt, "payouts are being published by another worker");
  }
}
