import { SlabridgeError } from "../errors/SlabridgeError.ts";

/**
 * The job's work waits on a lease another worker holds (a Solana vault send in flight, a nonce being sent): not a
 * failure and not an attempt. The relay engine parks the job until `retryAt` without spending its retry budget, so
 * however long the lease holds (its guard), the job outlasts it. Subclasses or adapters name the lease.
 *
 * @example throw new LeaseHeldError("the vault send lease of 2/41 is held", clock.now() + 1_000, { cause: error });
 */
export class LeaseHeldError extends SlabridgeError {
  override readonly name: string = "LeaseHeldError";
  constructor(
    reason: string,
    readonly retryAt: number,
    options: { cause?: unknown } = {},
  ) {
    super(reason, { retryable: true, ...options });
  }
}
