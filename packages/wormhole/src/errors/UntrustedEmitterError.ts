import { SlabridgeError } from "@slabridge/core";
import type { Hex } from "viem";

/**
 * The VAA is validly signed but its emitter is not slabridge's messenger (or Solana emitter) on its chain; the
 * destination messenger would revert `UntrustedPeer`.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof UntrustedEmitterError) log(e.emitterChain, e.emitter); }
 * ```
 */
export class UntrustedEmitterError extends SlabridgeError {
  override readonly name = "UntrustedEmitterError" as const;
  readonly emitterChain: number;
  readonly emitter: Hex;
  constructor(emitterChain: number, emitter: Hex) {
    // The emitter goes in a field, not the message: bytes32 text would be scrubbed as key-shaped.
    super(`VAA emitter on Wormhole chain ${emitterChain} is not allowlisted.`, { retryable: false });
    this.emitterChain = emitterChain;
    this.emitter = emitter;
  }
}
