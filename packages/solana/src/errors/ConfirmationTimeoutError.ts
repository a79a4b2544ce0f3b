import { SlabridgeError } from "@slabridge/core";

/**
 * No submitted signature was confirmed within the sender's time budget. Retryable, but any of `signatures` may
 * still land: check them (or the vault's history) before sending the same payment again.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof ConfirmationTimeoutError) await store.rememberPending(e.signatures); }
 * ```
 */
export class ConfirmationTimeoutError extends SlabridgeError {
  override readonly name = "ConfirmationTimeoutError" as const;
  constructor(
    readonly signatures: readonly string[],
    timeoutMs: number,
  ) {
    super(`Transaction not confirmed within ${timeoutMs} ms.`, {
      metaMessages: signatures.map((s) => `submitted: ${s}`),
      retryable: true,
    });
  }
}
