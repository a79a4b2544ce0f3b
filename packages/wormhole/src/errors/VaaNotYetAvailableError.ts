import { SlabridgeError } from "@slabridge/core";

/**
 * The guardians have not signed (or the API has not indexed) the VAA yet: every attempt got 404. Retryable: the
 * message is in flight.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof VaaNotYetAvailableError) return "in-flight"; }
 * ```
 */
export class VaaNotYetAvailableError extends SlabridgeError {
  override readonly name = "VaaNotYetAvailableError" as const;
  /** `chain/emitterHex64/sequence`. */
  readonly vaaId: string;
  readonly attempts: number;
  constructor(vaaId: string, attempts: number) {
    super(`VAA ${vaaId} is not available yet (${attempts} attempt(s)).`, { retryable: true });
    this.vaaId = vaaId;
    this.attempts = attempts;
  }
}
