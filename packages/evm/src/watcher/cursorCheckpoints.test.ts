import { describe, expect, it } from "vitest";
import { cursorCheckpoints } from "./cursorCheckpoints.ts";

const hash = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;

describe("cursorCheckpoints", () => {
  it("round-trips a cursor with checkpoints, newest first; the stored hash starts with the cursor block's hash", () => {
    const cursor = {
      block: 30n,
      hash: hash(30),
      checkpoints: [
        { block: 20n, hash: hash(20) },
        { block: 10n, hash: hash(10) },
      ],
    };
    const stored = cursorCheckpoints.encode(cursor);
    expect(stored.block).toBe(30n);
    expect(stored.blockHash.split(";")[0]).toBe(hash(30));
    expect(cursorCheckpoints.decode(stored.block, stored.blockHash)).toEqual(cursor);
  });

  it("reads a plain hash (no checkpoints) and drops malformed or future entries", () => {
    expect(cursorCheckpoints.decode(5n, hash(5))).toEqual({ block: 5n, hash: hash(5), checkpoints: [] });
    const decoded = cursorCheckpoints.decode(5n, `${hash(5)};4:${hash(4)},x:y,9:${hash(9)}`);
    expect(decoded.checkpoints).toEqual([{ block: 4n, hash: hash(4) }]);
  });

  it("stores 'nothing processed' with a non-negative block and a non-empty hash", () => {
    const stored = cursorCheckpoints.encode({ block: -1n, hash: "", checkpoints: [] });
    expect(stored).toEqual({ block: 0n, blockHash: "unscanned" });
    expect(cursorCheckpoints.decode(stored.block, stored.blockHash)).toEqual({ block: -1n, hash: "", checkpoints: [] });
  });
});
