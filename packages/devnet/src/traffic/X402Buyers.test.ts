import { describe, expect, it } from "vitest";
import type { Devnet } from "../startDevnet.ts";
import { X402Buyers } from "./X402Buyers.ts";

describe("X402Buyers", () => {
  it("derives each buyer's key once, not on every paid call (a derivation blocks the event loop for milliseconds)", () => {
    const demoBuyers = [
      { kind: "anvil-dev-account" as const, index: 3, address: "0x90F79bf6EB2c4f870365E785982E1f101E93b906" },
      { kind: "anvil-dev-account" as const, index: 4, address: "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65" },
    ];
    // Only the manifest's buyer keys are read by buyers().
    const buyers = new X402Buyers({ manifest: { keys: { demoBuyers } } } as unknown as Devnet);
    const [first, second] = [buyers.buyers(), buyers.buyers()];
    expect(first.map((a) => a.address)).toEqual(demoBuyers.map((b) => b.address));
    expect(second[0]).toBe(first[0]);
    expect(second[1]).toBe(first[1]);
  });
});
