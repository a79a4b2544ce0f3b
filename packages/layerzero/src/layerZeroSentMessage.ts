import { jobIds } from "@slabridge/core";
import type { IdentifySentMessage } from "@slabridge/evm";
import { type Address, isAddressEqual } from "viem";

/**
 * Recognises a message the home chain sent over LayerZero, for the status read model: the publishing transaction
 * went through slabridge's LayerZero messenger (one of its logs is the messenger's). The message id is the GUID the
 * messenger returned; the delivery job is `jobIds.layerZeroMessage(guid)`.
 *
 * @example
 * ```ts
 * new EvmStatusReader({ ..., home: { registry, oracle, sentMessages: [layerZeroSentMessage(lzMessenger), wormhole] } });
 * ```
 */
export function layerZeroSentMessage(messenger: Address): IdentifySentMessage {
  return ({ messageId, logs }) =>
    logs.some((entry) => isAddressEqual(entry.address, messenger))
      ? { transport: "layerzero", messageId, jobId: jobIds.layerZeroMessage(messageId) }
      : undefined;
}
