import { SlabridgeError } from "@slabridge/core";

/** Why a voucher or channel input was refused; stable strings callers can match on. */
export type InvalidSvmVoucherReason =
  | "bad-message-length"
  | "bad-message-prefix"
  | "bad-channel-id"
  | "bad-public-key"
  | "bad-secret-key"
  | "bad-signature-length"
  | "bad-salt"
  | "cumulative-out-of-range"
  | "expires-at-out-of-range"
  | "model-id-out-of-range";

/**
 * A Solana voucher or channel input that is not well formed (wrong length, a value out of its u64/i64 range, a key
 * that is not 32 bytes). Not retryable: the same bytes never become valid. Never carries key material.
 *
 * @example
 * ```ts
 * try { decodeSvmVoucherMessage(bytes); } catch (e) {
 *   if (e instanceof InvalidSvmVoucherError) reject(e.reason);
 * }
 * ```
 */
export class InvalidSvmVoucherError extends SlabridgeError {
  override readonly name = "InvalidSvmVoucherError" as const;
  constructor(
    readonly reason: InvalidSvmVoucherReason,
    detail?: string,
  ) {
    super(`Invalid Solana voucher input (${reason}).`, {
      ...(detail === undefined ? {} : { details: detail }),
      retryable: false,
    });
  }
}
