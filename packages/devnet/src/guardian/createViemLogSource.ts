import { type Address, type Hex, parseAbiItem } from "viem";
import { createDevnetClients } from "../evm/devnetClients.ts";
import { GuardianError } from "./GuardianError.ts";

/** One LogMessagePublished event, with the block data a guardian signs over. */
export interface ObservedMessage {
  readonly sender: Address;
  readonly sequence: bigint;
  readonly nonce: number;
  readonly payload: Hex;
  readonly consistencyLevel: number;
  /** Unix seconds of the publishing block. */
  readonly timestamp: number;
  readonly blockNumber: bigint;
  readonly logIndex: number;
}

/** Where the observer reads one chain's Wormhole core messages; a fake in tests, viem against anvil otherwise. */
export interface WormholeLogSource {
  latestBlock(): Promise<bigint>;
  /** Messages in blocks `fromBlock..toBlock` inclusive. */
  messages(fromBlock: bigint, toBlock: bigint): Promise<readonly ObservedMessage[]>;
}

const logMessagePublished = parseAbiItem(
  "event LogMessagePublished(address indexed sender, uint64 sequence, uint32 nonce, bytes payload, uint8 consistencyLevel)",
);

/**
 * Reads a Wormhole core's LogMessagePublished logs over a loopback RPC with a viem public client whose chain object
 * carries only that URL (never viem's built-in chains, which list public endpoints).
 *
 * @example
 * const source = createViemLogSource({ rpcUrl: anvil.rpcUrl, evmChainId: 31337, core: wormhole.core });
 */
export function createViemLogSource(options: { rpcUrl: string; evmChainId: number; core: Address }): WormholeLogSource {
  const { publicClient } = createDevnetClients({ rpcUrl: options.rpcUrl, chainId: options.evmChainId });
  const label = `chain ${options.evmChainId}`;
  return {
    latestBlock: async () => {
      try {
        // cacheTime 0: the observer polls on its own schedule and must not see a stale head.
        return await publicClient.getBlockNumber({ cacheTime: 0 });
      } catch (error) {
        throw GuardianError.wrap("rpc-failed", `${label}: eth_blockNumber`, error);
      }
    },
    messages: async (fromBlock, toBlock) => {
      try {
        const logs = await publicClient.getLogs({
          address: options.core,
          event: logMessagePublished,
          fromBlock,
          toBlock,
          strict: true,
        });
        const timestamps = new Map<bigint, number>();
        const messages: ObservedMessage[] = [];
        for (const log of logs) {
          if (log.blockNumber === null || log.logIndex === null) continue; // pending logs: not final yet
          let timestamp = timestamps.get(log.blockNumber);
          if (timestamp === undefined) {
            const block = await publicClient.getBlock({ blockNumber: log.blockNumber });
            timestamp = Number(block.timestamp);
            timestamps.set(log.blockNumber, timestamp);
          }
          messages.push({
            sender: log.args.sender,
            sequence: log.args.sequence,
            nonce: log.args.nonce,
            payload: log.args.payload,
            consistencyLevel: log.args.consistencyLevel,
            timestamp,
            blockNumber: log.blockNumber,
            logIndex: log.logIndex,
          });
        }
        return messages;
      } catch (error) {
        throw GuardianError.wrap("rpc-failed", `${label}: LogMessagePublished ${fromBlock}..${toBlock}`, error);
      }
    },
  };
}
