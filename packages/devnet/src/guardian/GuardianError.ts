import { scrubSecrets } from "../evm/EvmDevnetError.ts";

/** What went wrong in the devnet guardian, so callers can branch without parsing messages. */
export type GuardianErrorCode = "invalid-vaa" | "conflicting-vaa" | "invalid-message" | "rpc-failed" | "signing-failed";

/**
 * The one error type of the devnet guardian; messages are scrubbed of URLs and registered secrets (the guardian key).
 *
 * @example
 * throw new GuardianError("rpc-failed", "getLogs on chain 10002 failed");
 */
export class GuardianError extends Error {
  override readonly name = "GuardianError";
  constructor(
    readonly code: GuardianErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(scrubSecrets(message), options?.cause === undefined ? undefined : { cause: options.cause });
  }

  /** Wraps an unknown thrown value with context, keeping only its first (scrubbed) line. */
  static wrap(code: GuardianErrorCode, context: string, cause: unknown): GuardianError {
    if (cause instanceof GuardianError) return cause;
    let detail = String(cause);
    if (cause instanceof Error) {
      // viem errors carry a one-line shortMessage; their full message lists the request and its URL.
      const short = (cause as { shortMessage?: unknown }).shortMessage;
      detail = typeof short === "string" ? short : (cause.message.split("\n")[0] ?? cause.name);
    }
    return new GuardianError(code, `${context}: ${detail}`, { cause });
  }
}
