import { SlabridgeError } from "../errors/SlabridgeError.ts";

/**
 * The job is not ready yet (e.g. its epoch has not ended, or the verdict has not reached its chain): not a failure,
 * not counted as an attempt. The relay engine parks the job until `retryAt`.
 *
 * @example throw new NotReadyError("epoch not over on the payment chain", progress.epochEndsAt);
 */
export class NotReadyError extends SlabridgeError {
  override readonly name = "NotReadyError" as const;
  constructor(
    reason: string,
    readonly retryAt: number,
  ) {
    super(reason, { retryable: true });
  }
}
