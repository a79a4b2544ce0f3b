import { SlabridgeError } from "@slabridge/core";

/**
 * Every attempt to reach the guardian API failed with a 5xx, a network error or a timeout. Retryable: the API may
 * be back later.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof GuardianApiUnavailableError) scheduleRetry(e.retryable); }
 * ```
 */
export class GuardianApiUnavailableError extends SlabridgeError {
  override readonly name = "GuardianApiUnavailableError" as const;
  readonly attempts: number;
  constructor(attempts: number, details: string) {
    super(`The guardian API was unavailable for ${attempts} attempt(s).`, { retryable: true, details });
    this.attempts = attempts;
  }
}
