import { SlabridgeError } from "../errors/SlabridgeError.ts";

/**
 * A job's step cannot run yet (the epoch is not over, the verdict is not signed, refunds come first): try again at
 * `retryAt` without spending an attempt. Thrown by the engine and by chain adapters behind its ports.
 *
 * @example throw new NotReadyError("the epoch has not ended on this chain", epochEndsAt);
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
