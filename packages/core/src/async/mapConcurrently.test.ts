import { describe, expect, it } from "vitest";
import { mapConcurrently } from "./mapConcurrently.ts";

const later = <T>(value: T, ms: number) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

describe("mapConcurrently", () => {
  it("runs at most `limit` tasks at once and keeps the items' order", async () => {
    let running = 0;
    let most = 0;
    const results = await mapConcurrently([30, 5, 20, 1, 10], 2, async (ms, index) => {
      running++;
      most = Math.max(most, running);
      const value = await later(`${index}:${ms}`, ms);
      running--;
      return value;
    });
    expect(most).toBe(2);
    expect(results).toEqual(["0:30", "1:5", "2:20", "3:1", "4:10"]);
  });

  it("rejects with the first failure once the started tasks have settled, and starts no more", async () => {
    const started: number[] = [];
    let settled = 0;
    const run = mapConcurrently([1, 2, 3, 4], 2, async (item) => {
      started.push(item);
      await later(undefined, item === 1 ? 1 : 20);
      settled++;
      if (item === 1) throw new Error("item 1 failed");
      return item;
    });
    await expect(run).rejects.toThrow("item 1 failed");
    expect(started).toEqual([1, 2]);
    expect(settled).toBe(2);
  });

  it("resolves an empty list without running anything", async () => {
    expect(await mapConcurrently([], 3, async () => 1)).toEqual([]);
  });
});
