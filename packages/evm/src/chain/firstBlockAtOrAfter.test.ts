import { describe, expect, it } from "vitest";
import { type BlockHeaderReader, firstBlockAtOrAfter } from "./firstBlockAtOrAfter.ts";

/** A chain whose block n has timestamp `timestamps[n]` (never decreasing, repeats allowed, as on anvil). */
function chain(timestamps: readonly number[]) {
  const reads: bigint[] = [];
  const client: BlockHeaderReader = {
    getBlock: async (args) => {
      const number = "blockTag" in args ? BigInt(timestamps.length - 1) : args.blockNumber;
      reads.push(number);
      const timestamp = timestamps[Number(number)];
      if (timestamp === undefined) throw new Error(`no block ${number}`);
      return { number, timestamp: BigInt(timestamp) };
    },
  };
  return { client, reads };
}

describe("firstBlockAtOrAfter", () => {
  const timestamps = [100, 100, 103, 103, 103, 110, 111, 111, 140];

  it.each([
    [0n, 0n],
    [100n, 0n],
    [101n, 2n],
    [103n, 2n],
    [104n, 5n],
    [111n, 6n],
    [112n, 8n],
    [140n, 8n],
  ])("at %s finds block %s", async (timestamp, block) => {
    expect(await firstBlockAtOrAfter(chain(timestamps).client, timestamp)).toBe(block);
  });

  it("answers latest + 1 when no block is that late, after reading only the latest block", async () => {
    const { client, reads } = chain(timestamps);
    expect(await firstBlockAtOrAfter(client, 141n)).toBe(9n);
    expect(reads).toEqual([8n]);
  });

  it("reads O(log n) blocks", async () => {
    const long = Array.from({ length: 100_000 }, (_, index) => 1_000 + index * 2);
    const { client, reads } = chain(long);
    expect(await firstBlockAtOrAfter(client, 1_000n + 2n * 54_321n - 1n)).toBe(54_321n);
    expect(reads.length).toBeLessThanOrEqual(1 + Math.ceil(Math.log2(long.length)));
  });
});
