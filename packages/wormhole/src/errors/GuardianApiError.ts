import { SlabridgeError } from "@slabridge/core";

/**
 * A guardian API answered something unusable: a body that is not `{ vaaBytes: base64 }`, a VAA for another id, or
 * a 4xx other than 404. Not retryable for that URL; thrown when no other configured URL is left to ask.
 *
 * @example
 * ```ts
 * try { await client.getSignedVaa(id); }
 * catch (e) { if (e instanceof GuardianApiError) alertOperator(e.message); }
 * ```
 */
export class GuardianApiError extends SlabridgeError {
  override readonly name = "GuardianApiError" as const;
  /** HTTP status of the last unusable answer (undefined when the body, not the status, was wrong). */
  readonly status: number | undefined;
  constructor(shortMessage: string, options: { status?: number; details?: string; metaMessages?: string[] } = {}) {
    super(shortMessage, {
      retryable: false,
      ...(options.details === undefined ? {} : { details: options.details }),
      ...(options.metaMessages === undefined ? {} : { metaMessages: options.metaMessages }),
    });
    this.status = options.status;
  }
}
