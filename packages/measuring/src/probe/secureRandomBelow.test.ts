import { describe, expect, it } from "vitest";
import { secureRandomBelow } from "./promptCorpus.ts";

describe("secureRandomBelow", () => {
  it("draws every value of [0, max) and nothing else", () => {
    const seen = new Set<number>();
    for (let i = 0; i < 2_000; i++) seen.add(secureRandomBelow(7));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it("refuses a bound it cannot draw uniformly", () => {
    for (const max of [0, -1, 1.5, 65_537, Number.NaN]) expect(() => secureRandomBelow(max)).toThrow(RangeError);
  });
});
