import { describe, expect, it } from "vitest";
import { bumpFees, capFees } from "./feeBump.ts";

const bump = { factor: 1.1, maxFeePerGasCap: 1_000n };

describe("bumpFees", () => {
  it("raises both fields by at least the factor, rounding up", () => {
    expect(
      bumpFees({ maxFeePerGas: 101n, maxPriorityFeePerGas: 11n }, { maxFeePerGas: 1n, maxPriorityFeePerGas: 1n }, bump),
    ).toEqual({
      maxFeePerGas: 112n,
      maxPriorityFeePerGas: 13n,
    });
  });

  it("follows the chain's estimate when it rose more than the factor", () => {
    expect(
      bumpFees(
        { maxFeePerGas: 100n, maxPriorityFeePerGas: 10n },
        { maxFeePerGas: 500n, maxPriorityFeePerGas: 50n },
        bump,
      ),
    ).toEqual({
      maxFeePerGas: 500n,
      maxPriorityFeePerGas: 50n,
    });
  });

  it("caps the fee and refuses a bump the cap would make smaller than the factor", () => {
    expect(
      bumpFees({ maxFeePerGas: 900n, maxPriorityFeePerGas: 10n }, { maxFeePerGas: 1n, maxPriorityFeePerGas: 1n }, bump),
    ).toEqual({
      maxFeePerGas: 990n,
      maxPriorityFeePerGas: 11n,
    });
    expect(
      bumpFees({ maxFeePerGas: 950n, maxPriorityFeePerGas: 10n }, { maxFeePerGas: 1n, maxPriorityFeePerGas: 1n }, bump),
    ).toBeUndefined();
  });

  it("capFees keeps the tip under the fee", () => {
    expect(capFees({ maxFeePerGas: 5_000n, maxPriorityFeePerGas: 2_000n }, 1_000n)).toEqual({
      maxFeePerGas: 1_000n,
      maxPriorityFeePerGas: 1_000n,
    });
  });
});
