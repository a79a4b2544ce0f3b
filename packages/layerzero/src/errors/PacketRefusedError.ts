import { SlabridgeError } from "@slabridge/core";
import { shortHex } from "../shortHex.ts";

/**
 * The destination refuses the packet for a reason retrying cannot change: the sender is not the receiver's peer
 * (`OnlyPeer`, `NoPeer`, `UntrustedPeer`, `LZ_PathNotInitializable`), the message bytes are invalid (MessageCodec
 * errors), or the receiver does not take this kind of message. `reason` is the decoded contract error name.
 *
 * @example
 * ```ts
 * try { await transport.deliver(ref, 31337); } catch (e) {
 *   if (e instanceof PacketRefusedError) deadLetter(job, e.reason); // e.g. "OnlyPeer"
 * }
 * ```
 */
export class PacketRefusedError extends SlabridgeError {
  override readonly name = "PacketRefusedError" as const;
  readonly guid: string;
  /** The decoded revert reason (contract error name). */
  readonly reason: string;
  /** The decoded error's arguments, when it has any. */
  readonly args: readonly unknown[];

  constructor(params: { guid: string; destinationChainId: number; reason: string; args?: readonly unknown[] }) {
    const args = params.args ?? [];
    super(
      `LayerZero packet ${shortHex(params.guid)} is refused on chain ${params.destinationChainId}: ${params.reason}(${args.map(String).join(", ")}).`,
      { retryable: false },
    );
    this.guid = params.guid;
    this.reason = params.reason;
    this.args = args;
  }
}
