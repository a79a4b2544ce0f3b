import { MemoryCursorStore } from "@slabridge/store";
import { describe, expect, it } from "vitest";
import { cursorCheckpoints } from "./cursorCheckpoints.ts";

const hash = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;

describe("cursorCheckpoints", () => {
  it("round-trips a cursor with checkpoints, newest first, through the typed field and a store", async () => {
    const cursor = {
      block: 30n,
      hash: hash(30),
      checkpoints: [
        { block: 20n, hash: hash(20) },
        { block: 10n, hash: hash(10) },
      ],
    };
    const stored = cursorCheckpoints.encode(cursor);
    expect(stored).toEqual({ block: 30n, blockHash: hash(30), checkpoints: cursor.checkpoints });
    expect(cursorCheckpoints.decode(stored)).toEqual(cursor);
    const store = new MemoryCursorStore();
    expect(await store.advance({ id: "evm:31337:token", ...stored, version: 1 }, undefined)).toBe(true);
    const read = await store.get("evm:31337:token");
    expect(read && cursorCheckpoints.decode(read)).toEqual(cursor);
  });

  it("reads a cursor without checkpoints", () => {
    expect(cursorCheckpoints.encode({ block: 5n, hash: hash(5), checkpoints: [] })).toEqual({
      block: 5n,
      blockHash: hash(5),
    });
    expect(cursorCheckpoints.decode({ block: 5n, blockHash: hash(5) })).toEqual({
      block: 5n,
      hash: hash(5),
      checkpoints: [],
    });
  });

  it("stores 'nothing processed' with a non-negative block and a non-empty hash", () => {
    const stored = cursorCheckpoints.encode({ block: -1n, hash: "", checkpoints: [] });
    expect(stored).toEqual({ block: 0n, blockHash: "unscanned" });
    expect(cursorCheckpoints.decode(stored)).toEqual({ block: -1n, hash: "", checkpoints: [] });
  });
});
