import { type Address, type Hash, type Hex, isAddressEqual, parseEventLogs, type TransactionReceipt } from "viem";
import { wormholeCoreAbi } from "./abis.ts";
import type { DevnetClients } from "./devnetClients.ts";

/** A message published on a Wormhole core, with everything a guardian signs over. */
export interface PublishedWormholeMessage {
  emitterChainId: number;
  emitterAddress: Address;
  sequence: bigint;
  nonce: number;
  consistencyLevel: number;
  payload: Hex;
  /** Unix seconds of the block that published it (the VAA timestamp). */
  timestamp: number;
  transactionHash: Hash;
  blockNumber: bigint;
}

/**
 * Decodes the LogMessagePublished events a core emitted in a transaction receipt, with their block timestamp.
 *
 * @example const [message] = await readWormholeMessages(clients, wormhole.core, wormhole.wormholeChainId, receipt);
 */
export async function readWormholeMessages(
  clients: DevnetClients,
  core: Address,
  emitterChainId: number,
  receipt: TransactionReceipt,
): Promise<PublishedWormholeMessage[]> {
  const logs = parseEventLogs({ abi: wormholeCoreAbi, eventName: "LogMessagePublished", logs: receipt.logs }).filter(
    (log) => isAddressEqual(log.address, core),
  );
  if (logs.length === 0) return [];
  const block = await clients.publicClient.getBlock({ blockHash: receipt.blockHash });
  return logs.map((log) => ({
    emitterChainId,
    emitterAddress: log.args.sender,
    sequence: log.args.sequence,
    nonce: log.args.nonce,
    consistencyLevel: log.args.consistencyLevel,
    payload: log.args.payload,
    timestamp: Number(block.timestamp),
    transactionHash: receipt.transactionHash,
    blockNumber: receipt.blockNumber,
  }));
}
