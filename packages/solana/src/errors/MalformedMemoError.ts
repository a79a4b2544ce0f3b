import { SlabridgeError } from "@slabridge/core";

/** Why a memo was refused; stable strings callers can match on. */
export type MalformedMemoReason =
  | "not-slabridge"
  | "unsupported-version"
  | "unknown-kind"
  | "wrong-kind"
  | "bad-field-order"
  | "invalid-model-id"
  | "invalid-ref"
  | "invalid-epoch"
  | "invalid-payment-id"
  | "invalid-index"
  | "invalid-account"
  | "too-long"
  | "not-utf8";

/**
 * A memo that is not a well-formed slabridge memo. Not retryable: the same bytes will never parse.
 *
 * @example
 * ```ts
 * try { parsePaymentMemo(text); } catch (e) {
 *   if (e instanceof MalformedMemoError) skip(e.reason);
 * }
 * ```
 */
export class MalformedMemoError extends SlabridgeError {
  override readonly name = "MalformedMemoError" as const;
  constructor(
    readonly reason: MalformedMemoReason,
    readonly memo: string,
    detail?: string,
  ) {
    super(`Malformed slabridge memo (${reason}).`, {
      metaMessages: [`memo: ${JSON.stringify(memo.slice(0, 200))}`],
      ...(detail === undefined ? {} : { details: detail }),
      retryable: false,
    });
  }
}
