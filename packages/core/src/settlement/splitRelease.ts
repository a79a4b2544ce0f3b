import { BPS } from "../codec/constants.ts";
import { InvalidNettingInputError } from "./errors.ts";
import type { SettlementPayee } from "./types.ts";

/**
 * Splits `released` base units by a payee table exactly as the Escrow pays the table's payouts in index order: each
 * entry gets `floor(released × shareBps / 10,000)`, except the entry whose share completes the 10,000 bps, which
 * gets what is left (the rounding dust of the earlier ones); entries after it (0 bps) get 0. The result has one
 * amount per entry, in table order, and sums to `released`.
 *
 * When the escrow's payouts were delivered out of index order, the entry that completed 10,000 bps (and took the
 * dust) is `dustIndex`; every other entry gets its floor.
 *
 * Throws {@link InvalidNettingInputError} when the shares do not sum to 10,000 or `released` is negative.
 *
 * @example
 * ```ts
 * splitRelease(100n, [{ chain: 1, account: "0xa", shareBps: 3333 }, { chain: 2, account: "0xb", shareBps: 6667 }]);
 * // [33n, 67n]
 * ```
 */
export function splitRelease(
  released: bigint,
  payees: readonly SettlementPayee[],
  field = "payees",
  dustIndex?: number,
): bigint[] {
  assertPayeeTable(payees, field);
  if (released < 0n) throw new InvalidNettingInputError(field, `released amount ${released} is negative`);
  if (dustIndex !== undefined) {
    // The escrow's payouts arrived out of index order: the one that completed 10,000 bps took the dust.
    if (!Number.isInteger(dustIndex) || dustIndex < 0 || dustIndex >= payees.length) {
      throw new InvalidNettingInputError(`${field}.dustIndex`, `${dustIndex} is not an index of the table`);
    }
    const floors = payees.map((p) => (released * BigInt(p.shareBps)) / BigInt(BPS));
    const others = floors.reduce((sum, a, i) => (i === dustIndex ? sum : sum + a), 0n);
    return floors.map((a, i) => (i === dustIndex ? released - others : a));
  }
  const amounts: bigint[] = [];
  let totalBps = 0;
  let paid = 0n;
  for (const payee of payees) {
    const before = totalBps;
    totalBps += payee.shareBps;
    // Mirrors Escrow._applyPayout: the payout that completes 10,000 bps takes `released - paidOut`.
    const amount =
      totalBps === BPS && before < BPS ? released - paid : (released * BigInt(payee.shareBps)) / BigInt(BPS);
    amounts.push(amount);
    paid += amount;
  }
  return amounts;
}

/**
 * Checks a payee table: non-empty, integer shares in [0, 10,000] summing to 10,000, chain ids positive 32-bit
 * integers, accounts non-empty.
 *
 * @example
 * ```ts
 * assertPayeeTable([{ chain: 31337, account: "0xabc…", shareBps: 10_000 }], "payees"); // ok
 * ```
 */
export function assertPayeeTable(payees: readonly SettlementPayee[], field = "payees"): void {
  if (payees.length === 0) throw new InvalidNettingInputError(field, "the payee table is empty");
  let total = 0;
  payees.forEach((payee, index) => {
    const at = `${field}[${index}]`;
    if (!Number.isInteger(payee.shareBps) || payee.shareBps < 0 || payee.shareBps > BPS) {
      throw new InvalidNettingInputError(`${at}.shareBps`, `${payee.shareBps} is not an integer in [0, ${BPS}]`);
    }
    assertChainId(payee.chain, `${at}.chain`);
    if (payee.account.length === 0) throw new InvalidNettingInputError(`${at}.account`, "empty account");
    total += payee.shareBps;
  });
  if (total !== BPS) throw new InvalidNettingInputError(field, `shares sum to ${total} bps, not ${BPS}`);
}

/**
 * Checks a slabridge chain id: a positive integer below 2^32.
 *
 * @example
 * ```ts
 * assertChainId(31337, "released"); // ok; assertChainId(0, "x") throws InvalidNettingInputError
 * ```
 */
export function assertChainId(chain: number, field: string): void {
  if (!Number.isInteger(chain) || chain <= 0 || chain > 0xffff_ffff) {
    throw new InvalidNettingInputError(field, `${chain} is not a chain id`);
  }
}
