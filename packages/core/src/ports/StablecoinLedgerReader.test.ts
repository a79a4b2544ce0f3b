import { describe, expect, it } from "vitest";
import { checkConservation } from "../settlement/checkConservation.ts";
import { type ChainStablecoinLedger, combineStablecoinLedgers } from "./StablecoinLedgerReader.ts";

const ledger = (
  chain: number,
  totalSupply: bigint,
  extra: Partial<ChainStablecoinLedger> = {},
): ChainStablecoinLedger => ({
  supply: { chain, totalSupply, balances: [{ role: "holder", account: `a${chain}`, amount: totalSupply }] },
  issued: totalSupply,
  sent: [],
  received: [],
  ...extra,
});

describe("combineStablecoinLedgers", () => {
  it("keeps a bridge transfer in flight until some chain received it, and adds up what was issued", () => {
    const sent = [
      { id: "0xAA", from: 1, to: 2, amount: 5n },
      { id: "0xbb", from: 1, to: 2, amount: 7n },
    ];
    const input = combineStablecoinLedgers([
      ledger(1, 88n, { issued: 100n, sent }),
      ledger(2, 5n, { issued: 0n, received: ["0xaa"] }),
      ledger(3, 40n),
    ]);
    expect(input.chains.map((chain) => chain.chain)).toEqual([1, 2, 3]);
    expect(input.inFlight).toEqual([{ id: "0xbb", from: 1, to: 2, amount: 7n }]);
    expect(input.issued).toBe(140n);
    expect(checkConservation(input).holds).toBe(true);
  });
});
