import { SlabridgeError } from "@slabridge/core";
import type { Hex } from "viem";

/**
 * The destination messenger already has this VAA (`delivered(vaaHash)`): a replay, or a concurrent relayer won.
 * `WormholeTransport.deliver` turns it into status "delivered"; `redeemVaa` throws it.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof AlreadyDeliveredError) return { status: "delivered" }; }
 * ```
 */
export class AlreadyDeliveredError extends SlabridgeError {
  override readonly name = "AlreadyDeliveredError" as const;
  readonly vaaHash: Hex;
  readonly destinationChainId: number;
  constructor(vaaHash: Hex, destinationChainId: number) {
    super(`VAA was already delivered on chain ${destinationChainId}.`, { retryable: false });
    this.vaaHash = vaaHash;
    this.destinationChainId = destinationChainId;
  }
}
