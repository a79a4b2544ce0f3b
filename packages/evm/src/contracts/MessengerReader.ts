import { layerZeroMessengerAbi } from "@slabridge/contracts";
import type { Address, Hex } from "viem";
import { type ReaderClient, readContractTyped } from "./readContractTyped.ts";

/**
 * Typed reads of a slabridge messenger (LayerZero or Wormhole: both inherit `MessengerBase`, so they share these
 * functions and the LayerZero messenger's ABI serves both).
 *
 * @example
 * ```ts
 * const messenger = new MessengerReader(client, chain.contracts.wormholeMessenger);
 * if (await messenger.delivered(vaaHash)) return "already delivered";
 * ```
 */
export class MessengerReader {
  constructor(
    readonly client: ReaderClient,
    readonly address: Address,
  ) {}

  /** Whether the message with this id (LayerZero GUID / Wormhole VAA hash) was delivered here. */
  delivered(messageId: Hex): Promise<boolean> {
    return readContractTyped(this.client, this.address, layerZeroMessengerAbi, "delivered", [messageId]);
  }
}
