import { describe, expect, it } from "vitest";
import { checkConservation } from "./checkConservation.ts";
import { InvalidNettingInputError } from "./errors.ts";

describe("checkConservation", () => {
  const chainA = {
    chain: 31337,
    totalSupply: 100n,
    balances: [
      { role: "escrow", account: "0xe", amount: 60n },
      { role: "vault", account: "0xv", amount: 40n },
    ],
  };

  it("holds when balances make up every supply and supplies + in flight equal what was issued", () => {
    const report = checkConservation({
      chains: [chainA, { chain: 31338, totalSupply: 5n, balances: [{ role: "payee", account: "0xp", amount: 5n }] }],
      inFlight: [{ id: "0xg", from: 31337, to: 31338, amount: 20n }],
      issued: 125n,
    });
    expect(report.holds).toBe(true);
    expect(report.violations).toEqual([]);
    expect(report.missing).toBe(0n);
    expect(report.inFlight).toBe(20n);
  });

  it("reports a holder missing from the list and value lost in flight", () => {
    const report = checkConservation({
      chains: [{ ...chainA, totalSupply: 101n }],
      inFlight: [],
      issued: 120n,
    });
    expect(report.holds).toBe(false);
    expect(report.unaccounted.get(31337)).toBe(1n);
    expect(report.missing).toBe(19n);
    expect(report.violations).toHaveLength(2);
  });

  it("rejects a holder listed twice and negative amounts", () => {
    const twice = { ...chainA, balances: [...chainA.balances, { role: "payee", account: "0xe", amount: 0n }] };
    expect(() => checkConservation({ chains: [twice] })).toThrow(InvalidNettingInputError);
    expect(() => checkConservation({ chains: [{ ...chainA, totalSupply: -1n }] })).toThrow(/negative/);
    expect(() => checkConservation({ chains: [chainA, chainA] })).toThrow(/twice/);
  });
});
