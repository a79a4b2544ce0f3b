import type { Abi, AbiEvent, Address, PublicClient } from "viem";
import { decodeEventLog } from "viem";

/** One decoded log of a scan. */
export interface ScannedLog {
  readonly eventName: string;
  readonly args: Readonly<Record<string, unknown>>;
  readonly transactionHash: `0x${string}`;
  readonly blockNumber: bigint;
  readonly logIndex: number;
}

/** Options of {@link scanLogs}. */
export interface ScanLogsOptions {
  readonly address: Address;
  readonly abi: Abi;
  readonly eventNames: readonly string[];
  readonly fromBlock: bigint;
  /** Last block to read (inclusive); capped at the chain's latest block. */
  readonly toBlock: bigint;
  /** Blocks per `eth_getLogs` request (the chain's `maxBlockRange`). */
  readonly maxBlockRange: bigint;
  /** Keeps only logs whose decoded args match, e.g. `{ modelId: 2n, epoch: 7n }`. */
  readonly where: Readonly<Record<string, bigint | number | string>>;
}

/**
 * Reads a contract's logs of some events over a block range in chunks of `maxBlockRange`, decodes them with the ABI
 * and keeps those whose args match `where` (indexed or not), in chain order.
 *
 * @example
 * const logs = await scanLogs(client, { address: escrow, abi: escrowAbi, eventNames: ["Refunded"], fromBlock, toBlock,
 *   maxBlockRange: 2_000n, where: { modelId: 2n, epoch: 7n } });
 */
export async function scanLogs(client: PublicClient, options: ScanLogsOptions): Promise<ScannedLog[]> {
  const latest = await client.getBlockNumber();
  const last = earlier(options.toBlock, latest);
  const events = options.abi.filter(
    (item): item is AbiEvent => item.type === "event" && options.eventNames.includes(item.name),
  );
  const found: ScannedLog[] = [];
  const step = options.maxBlockRange > 0n ? options.maxBlockRange : 1n;
  for (let from = options.fromBlock; from <= last; from += step) {
    const to = earlier(from + step - 1n, last);
    const logs = await client.getLogs({ address: options.address, events, fromBlock: from, toBlock: to });
    for (const log of logs) {
      const decoded = decodeEventLog({ abi: options.abi, data: log.data, topics: log.topics, strict: true });
      // Every event slabridge scans has named args, so they decode to an object (copied: the ABI is generic here).
      const args: Record<string, unknown> = { ...decoded.args };
      const matches = Object.entries(options.where).every(([key, value]) => args[key] === value);
      if (!matches || log.transactionHash === null || log.blockNumber === null || log.logIndex === null) continue;
      found.push({
        eventName: String(decoded.eventName),
        args,
        transactionHash: log.transactionHash,
        blockNumber: log.blockNumber,
        logIndex: log.logIndex,
      });
    }
  }
  return found;
}

/** The smaller of two block numbers (Math.min does not take bigints). */
function earlier(a: bigint, b: bigint): bigint {
  if (a < b) return a;
  return b;
}
