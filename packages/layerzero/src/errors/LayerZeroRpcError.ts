import { SlabridgeError } from "@slabridge/core";

/**
 * A chain's RPC failed (timeout, HTTP error, rate limit, bad answer) while the transport read or sent something.
 * Raw viem errors are wrapped once here; the cause is kept and every text is scrubbed of secrets. Retryable.
 *
 * @example
 * ```ts
 * if (e instanceof LayerZeroRpcError) retryLater(); // e.operation names what failed, e.g. "EndpointV2.lazyInboundNonce"
 * ```
 */
export class LayerZeroRpcError extends SlabridgeError {
  override readonly name = "LayerZeroRpcError" as const;
  readonly chainId: number;
  readonly operation: string;

  constructor(chainId: number, operation: string, cause: unknown) {
    super(`RPC call ${operation} on chain ${chainId} failed.`, { cause, retryable: true });
    this.chainId = chainId;
    this.operation = operation;
  }
}
