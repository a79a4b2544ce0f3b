import type { JobSource } from "@slabridge/core";

/** The parts of a mined log a {@link JobSource} needs. */
export interface MinedLog {
  transactionHash: `0x${string}`;
  blockNumber: bigint;
  blockHash: `0x${string}`;
  logIndex: number;
}

/**
 * The job source of a watched log: enough to find it again and to check it with `isLogCanonical`. `index` is the
 * log's `logIndex` (its position in the block, as the node reports it), which is what receipts carry too.
 *
 * @example const source = toJobSource(31337, log); // { chainId, transaction, block, blockHash, index }
 */
export function toJobSource(chainId: number, log: MinedLog): JobSource {
  return {
    chainId,
    transaction: log.transactionHash,
    block: log.blockNumber,
    blockHash: log.blockHash,
    index: log.logIndex,
  };
}
