import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidTopUpInputError } from "./errors.ts";
import { topUpShares } from "./topUpShares.ts";

const amounts = fc.array(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), { minLength: 1, maxLength: 40 });
const topUp = fc.bigInt({ min: 0n, max: 2n ** 96n - 1n });

describe("topUpShares", () => {
  it("splits by the cumulative rule, the dust falling where the running floor crosses", () => {
    expect(topUpShares(10n, [1n, 1n, 1n])).toEqual([3n, 3n, 4n]);
    expect(topUpShares(100n, [250n, 750n])).toEqual([25n, 75n]);
    expect(topUpShares(7n, [0n, 5n, 0n, 5n])).toEqual([0n, 3n, 0n, 4n]);
    expect(topUpShares(0n, [3n, 4n])).toEqual([0n, 0n]);
  });

  it("pays nobody when there is no money to share it by (a void top-up)", () => {
    expect(topUpShares(50n, [0n, 0n])).toEqual([0n, 0n]);
    expect(topUpShares(50n, [])).toEqual([]);
  });

  it("refuses negative inputs with a typed error", () => {
    expect(() => topUpShares(-1n, [1n])).toThrow(InvalidTopUpInputError);
    expect(() => topUpShares(1n, [1n, -2n])).toThrow(InvalidTopUpInputError);
  });

  it("sums to exactly the top-up whenever anyone paid", () => {
    fc.assert(
      fc.property(topUp, amounts, (t, a) => {
        const total = a.reduce((s, x) => s + x, 0n);
        const sum = topUpShares(t, a).reduce((s, x) => s + x, 0n);
        expect(sum).toBe(total === 0n ? 0n : t);
      }),
    );
  });

  it("gives each payment at most its proportional part + 1 and at least its floor − 1, never negative", () => {
    fc.assert(
      fc.property(topUp, amounts, (t, a) => {
        const total = a.reduce((s, x) => s + x, 0n);
        fc.pre(total > 0n);
        topUpShares(t, a).forEach((share, i) => {
          const proportional = (t * (a[i] ?? 0n)) / total;
          expect(share >= 0n).toBe(true);
          expect(share <= proportional + 1n).toBe(true);
          expect(share + 1n >= proportional).toBe(true);
        });
      }),
    );
  });

  it("is monotone: a larger top-up never pays less up to any payment (each running sum grows)", () => {
    fc.assert(
      fc.property(topUp, fc.bigInt({ min: 0n, max: 2n ** 64n }), amounts, (t, more, a) => {
        const small = topUpShares(t, a);
        const large = topUpShares(t + more, a);
        let cumSmall = 0n;
        let cumLarge = 0n;
        small.forEach((s, i) => {
          cumSmall += s;
          cumLarge += large[i] ?? 0n;
          expect(cumLarge >= cumSmall).toBe(true);
        });
      }),
    );
  });
});
