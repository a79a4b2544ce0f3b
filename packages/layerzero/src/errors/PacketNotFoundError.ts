import { SlabridgeError } from "@slabridge/core";

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

  constructor(params: { sourceChainId: number; sourceTransaction: string; guid: string; reason: string }) {
    super(`LayerZero packet ${params.guid} not found in ${params.sourceTransaction}: ${params.reason}.`, {
      metaMessages: [`source chain: ${params.sourceChainId}`],
    });
  }
}
