import { SlabridgeError } from "@slabridge/core";

/**
 * The RPC failed or did not answer (network error, 429, node behind). Retryable: the same call later may succeed.
 *
 * @example
 * ```ts
 * throw new SolanaRpcError("getSignaturesForAddress", cause);
 * ```
 */
export class SolanaRpcError extends SlabridgeError {
  override readonly name = "SolanaRpcError" as const;
  constructor(
    readonly method: string,
    cause: unknown,
    details?: string,
  ) {
    super(`Solana RPC call ${method} failed.`, {
      cause,
      retryable: true,
      ...(details === undefined ? {} : { details }),
    });
  }
}
