import { InvalidTopUpInputError } from "./errors.ts";

/**
 * Splits a verdict's bond top-up over an epoch's payments pro rata to their amounts, by the cumulative rule the EVM
 * escrow's `refundTopUp` uses: with `cum` the running sum of amounts in the given order and `total` the sum of all,
 * payment i gets `floor(topUp × cumAfter_i / total) − floor(topUp × cumBefore_i / total)`. The shares sum to exactly
 * `topUp` (no dust left over) and each is within 1 of its exact proportional part. The order is the caller's
 * canonical order (payment index on EVM, payment id on Solana). When `total` is 0 there is nobody to pay: every
 * share is 0 (the top-up is void).
 *
 * Throws {@link InvalidTopUpInputError} when `topUp` or an amount is negative.
 *
 * @example
 * ```ts
 * topUpShares(10n, [1n, 1n, 1n]); // [3n, 3n, 4n]
 * topUpShares(100n, [250n, 750n]); // [25n, 75n]
 * ```
 */
export function topUpShares(topUp: bigint, amounts: readonly bigint[]): bigint[] {
  if (topUp < 0n) throw new InvalidTopUpInputError(`top-up ${topUp} is negative`);
  let total = 0n;
  for (const [i, amount] of amounts.entries()) {
    if (amount < 0n) throw new InvalidTopUpInputError(`payment ${i} has a negative amount ${amount}`);
    total += amount;
  }
  if (total === 0n) return amounts.map(() => 0n);
  let cumulative = 0n;
  let before = 0n;
  return amounts.map((amount) => {
    cumulative += amount;
    const after = (topUp * cumulative) / total;
    const share = after - before;
    before = after;
    return share;
  });
}
