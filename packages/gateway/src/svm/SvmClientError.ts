import { SlabridgeError } from "@slabridge/core";

/** Why the SVM client scheme could not build a payment. */
export type SvmClientErrorReason = "bad-requirements" | "approve-failed";

/**
 * The SVM batch client could not pay: the 402's requirements are not the SVM binding's (`bad-requirements`, not
 * retryable), or the delegate approval could not be sent or confirmed (`approve-failed`, retryable). Never carries
 * key material.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof SvmClientError && e.retryable) retryLater(); }
 * ```
 */
export class SvmClientError extends SlabridgeError {
  override readonly name = "SvmClientError" as const;
  constructor(
    readonly reason: SvmClientErrorReason,
    detail: string,
    cause?: unknown,
  ) {
    super(`The Solana batch payment could not be made (${reason}).`, {
      details: detail,
      retryable: reason === "approve-failed",
      ...(cause === undefined ? {} : { cause }),
    });
  }
}
