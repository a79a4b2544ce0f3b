import type { IdentifySentMessage } from "@slabridge/evm";
import { type Address, encodePacked, isAddressEqual, keccak256, pad, parseEventLogs } from "viem";
import { formatVaaId } from "./vaaId.ts";
import { wormholeCoreAbi } from "./wormholeCoreAbi.ts";

/** Options of {@link wormholeSentMessage}: the home chain's Wormhole core, chain id and slabridge messenger. */
export interface WormholeSentMessageOptions {
  readonly core: Address;
  readonly wormholeChainId: number;
  readonly messenger: Address;
}

/**
 * Names a message the home chain sent over Wormhole, for the status read model: the core's `LogMessagePublished` of
 * the messenger whose `keccak256(whChain, emitter, sequence)` is the messenger's `messageId` gives the VAA id
 * `chain/emitterHex64/sequence`, and the delivery job `deliver-message:wh:<vaa id>`. Put it after the other
 * transports: it claims every message they did not, keeping the messenger's `messageId` when the transaction holds
 * no matching publication.
 *
 * @example
 * ```ts
 * const wormhole = wormholeSentMessage({ core: chain.wormhole.core, wormholeChainId: chain.wormhole.chainId, messenger });
 * ```
 */
export function wormholeSentMessage(options: WormholeSentMessageOptions): IdentifySentMessage {
  const { core, wormholeChainId, messenger } = options;
  const emitter = pad(messenger);
  return ({ messageId: messengerId, logs }) => {
    const published = parseEventLogs({ abi: wormholeCoreAbi, eventName: "LogMessagePublished", logs: [...logs] })
      .filter((entry) => isAddressEqual(entry.address, core) && isAddressEqual(entry.args.sender, messenger))
      // The messenger's messageId is keccak256(whChain, emitter, sequence): pick the message this log names.
      .find(
        (entry) =>
          keccak256(encodePacked(["uint16", "bytes32", "uint64"], [wormholeChainId, emitter, entry.args.sequence])) ===
          messengerId,
      );
    const messageId = published
      ? formatVaaId({ chain: wormholeChainId, emitter: emitter.slice(2), sequence: published.args.sequence })
      : messengerId;
    return { transport: "wormhole", messageId, jobId: `deliver-message:wh:${messageId.toLowerCase()}` };
  };
}
