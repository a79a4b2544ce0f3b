import { SlabridgeError } from "@slabridge/core";
import { shortHex } from "../shortHex.ts";

/**
 * The source transaction exists but holds no LayerZero packet with the message's GUID (or the packet does not go to
 * the destination asked for). Not retryable: the reference is wrong for this transaction.
 *
 * @example
 * ```ts
 * await expect(transport.status({ ...ref, messageId: otherGuid }, 31337)).rejects.toBeInstanceOf(PacketNotFoundError);
 * ```
 */
export class PacketNotFoundError extends SlabridgeError {
  override readonly name = "PacketNotFoundError" as const;
  readonly guid: string;
  readonly sourceTransaction: string;

  constructor(params: { sourceChainId: number; sourceTransaction: string; guid: string; reason: string }) {
    super(
      `LayerZero packet ${shortHex(params.guid)} not found in ${shortHex(params.sourceTransaction)}: ${params.reason}.`,
      {
        metaMessages: [`source chain: ${params.sourceChainId}`],
      },
    );
    this.guid = params.guid;
    this.sourceTransaction = params.sourceTransaction;
  }
}
