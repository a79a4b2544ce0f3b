import { describe, expect, it } from "vitest";
import { nettingStepId } from "./nettingStepId.ts";

describe("nettingStepId", () => {
  // Vectors computed with viem's keccak256(toHex(text)) before the workflow left viem: ids already carried in vault
  // calldata on chain must keep their value, or a replay would not find its earlier step.
  it("keeps the ids of the viem implementation", () => {
    expect(nettingStepId("round-42", "payout", [31338, "0x00000000000000000000000000000000000000b1"])).toBe(
      "0x192f277213d640683069db4d664f028d676daac7173ede9c68f9be31dcf2c9ad",
    );
    expect(nettingStepId("net:1:7", "bridge", [31337, 31338])).toBe(
      "0xb8a96dc0bec040af94176d95046869964b7ce41b6921be88d8b5a674eaf41e47",
    );
  });

  it("differs by round, kind and parts", () => {
    const ids = new Set([
      nettingStepId("r1", "payout", [1, "0xa"]),
      nettingStepId("r2", "payout", [1, "0xa"]),
      nettingStepId("r1", "bridge", [1, "0xa"]),
      nettingStepId("r1", "payout", [2, "0xa"]),
    ]);
    expect(ids.size).toBe(4);
  });
});
