/** The one read {@link firstBlockAtOrAfter} needs: block headers by tag or number (a viem `PublicClient` has it). */
export interface BlockHeaderReader {
  getBlock(args: { blockTag: "latest" } | { blockNumber: bigint }): Promise<{ number: bigint; timestamp: bigint }>;
}

/**
 * The first block whose timestamp is at or after `timestamp` (unix seconds), by binary search over block headers
 * (about log2(height) reads); `latest + 1` when no block is that late yet. Timestamps never decrease along a chain,
 * so everything that happened at or after a moment lies at or after this block.
 *
 * @example const from = await firstBlockAtOrAfter(client, epochEnd);
 */
export async function firstBlockAtOrAfter(client: BlockHeaderReader, timestamp: bigint): Promise<bigint> {
  const latest = await client.getBlock({ blockTag: "latest" });
  if (latest.timestamp < timestamp) return latest.number + 1n;
  let low = 0n;
  let high = latest.number;
  while (low < high) {
    const middle = (low + high) / 2n;
    const block = await client.getBlock({ blockNumber: middle });
    if (block.timestamp < timestamp) low = middle + 1n;
    else high = middle;
  }
  return low;
}
