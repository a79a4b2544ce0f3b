import { SlabridgeError } from "@slabridge/core";

/** Why a VAA's envelope or signatures were refused. */
export type ForgedVaaReason =
  /** Not a VAA: wrong length, bad layout, unknown emitter chain. */
  | "unparsable"
  /** Version byte is not 1. */
  | "version"
  /** Names a guardian set that is not the current one (nor an unexpired previous one). */
  | "guardian-set"
  /** A signature does not recover to the guardian at its index, or indices repeat or overflow the set. */
  | "signature"
  /** Fewer valid signatures than floor(2n/3) + 1. */
  | "quorum";

/**
 * The VAA is not one the guardians signed: the core's `parseAndVerifyVM` would refuse it too (`InvalidVaa`).
 * Never retryable: the same bytes stay forged.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof ForgedVaaError && e.reason === "quorum") reportGuardianApi(); }
 * ```
 */
export class ForgedVaaError extends SlabridgeError {
  override readonly name = "ForgedVaaError" as const;
  readonly reason: ForgedVaaReason;
  constructor(reason: ForgedVaaReason, details: string, options: { cause?: unknown } = {}) {
    super(`Forged or invalid VAA (${reason}).`, { ...options, details, retryable: false });
    this.reason = reason;
  }
}
