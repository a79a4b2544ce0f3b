import { describe, expect, it } from "vitest";
import { onceUntilFailure } from "./onceUntilFailure.ts";

describe("onceUntilFailure", () => {
  it("runs the task once for concurrent and later calls once it succeeded", async () => {
    let runs = 0;
    const once = onceUntilFailure(async () => ++runs);
    expect(await Promise.all([once(), once()])).toEqual([1, 1]);
    expect(await once()).toBe(1);
    expect(runs).toBe(1);
  });

  it("runs it again after a failure, and keeps the first success", async () => {
    let runs = 0;
    const once = onceUntilFailure(async () => {
      runs++;
      if (runs === 1) throw new Error("outage");
      return runs;
    });
    await expect(once()).rejects.toThrow("outage");
    expect(await once()).toBe(2);
    expect(await once()).toBe(2);
    expect(runs).toBe(2);
  });
});
