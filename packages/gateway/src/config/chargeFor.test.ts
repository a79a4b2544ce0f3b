import { describe, expect, it } from "vitest";
import { chargeFor } from "./chargeFor.ts";

describe("chargeFor", () => {
  const price = { perInputToken: 2n, perOutputToken: 5n, ceiling: 1_000n };

  it("charges the tokens used at their prices", () => {
    expect(chargeFor(price, { inputTokens: 10n, outputTokens: 20n })).toBe(120n);
    expect(chargeFor(price, { inputTokens: 0n, outputTokens: 0n })).toBe(0n);
  });

  it("caps the charge at the per-request ceiling", () => {
    expect(chargeFor(price, { inputTokens: 400n, outputTokens: 100n })).toBe(1_000n);
  });
});
