import { SlabridgeError } from "@slabridge/core";

/**
 * A read or a submission on an EVM chain failed for a reason other than a decodable revert (RPC down, timeout,
 * nonce trouble in the submitter, receipt not found yet). Retryable.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof WormholeRpcError) scheduleRetry(); }
 * ```
 */
export class WormholeRpcError extends SlabridgeError {
  override readonly name = "WormholeRpcError" as const;
  readonly chainId: number;
  constructor(chainId: number, operation: string, cause: unknown) {
    super(`${operation} on chain ${chainId} failed.`, { cause, retryable: true });
    this.chainId = chainId;
  }
}
