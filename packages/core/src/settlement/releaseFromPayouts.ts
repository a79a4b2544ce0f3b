import { BPS } from "../codec/constants.ts";
import { InvalidNettingInputError } from "./errors.ts";
import { splitRelease } from "./splitRelease.ts";
import type { EpochRelease, SettlementPayee } from "./types.ts";

/** One `PaidOut(modelId, epoch, payoutIndex, payee, shareBps, amount)` event of an escrow. */
export interface PaidOutEvent {
  /** The payment chain whose escrow emitted it. */
  chain: number;
  modelId: bigint;
  epoch: bigint;
  payoutIndex: number;
  /** Who the escrow paid: the payee itself, or the chain's netting vault. */
  payee: string;
  shareBps: number;
  amount: bigint;
}

/** An (model, epoch)'s release rebuilt from its PaidOut events, and what each vault received from it. */
export interface ReleaseFromPayouts {
  release: EpochRelease;
  /** Per payment chain: what the escrow paid that chain's netting vault for this (model, epoch). */
  vaultReceived: Map<number, bigint>;
}

/**
 * Rebuilds what one (model, epoch) released on each payment chain from its escrows' `PaidOut` events, and checks them
 * against the payee table: every payout index paid exactly once per chain, each share's bps as in the table, each
 * amount what {@link splitRelease} gives for the chain's total (the dust on the one payout that took it), and the payee the table's account (same chain) or
 * that chain's vault (other chain). Any mismatch throws {@link InvalidNettingInputError}: an incomplete or unexpected
 * set of payouts is never netted.
 *
 * @example
 * ```ts
 * const { release, vaultReceived } = releaseFromPayouts(2n, 7n, payees, events, new Map([[31337, vaultA]]));
 * planNetting([release]);
 * ```
 */
export function releaseFromPayouts(
  modelId: bigint,
  epoch: bigint,
  payees: readonly SettlementPayee[],
  events: readonly PaidOutEvent[],
  vaults: ReadonlyMap<number, string>,
): ReleaseFromPayouts {
  const field = `payouts(${modelId}, ${epoch})`;
  const byChain = new Map<number, PaidOutEvent[]>();
  for (const event of events) {
    if (event.modelId !== modelId || event.epoch !== epoch) continue;
    byChain.set(event.chain, [...(byChain.get(event.chain) ?? []), event]);
  }
  const released = new Map<number, bigint>();
  const vaultReceived = new Map<number, bigint>();
  const dustIndex = new Map<number, number>();
  for (const [chain, chainEvents] of [...byChain].sort(([a], [b]) => a - b)) {
    const at = `${field} on chain ${chain}`;
    const byIndex = new Map<number, PaidOutEvent>();
    for (const event of chainEvents) {
      if (byIndex.has(event.payoutIndex)) {
        throw new InvalidNettingInputError(at, `payout index ${event.payoutIndex} paid twice`);
      }
      byIndex.set(event.payoutIndex, event);
    }
    if (byIndex.size !== payees.length) {
      throw new InvalidNettingInputError(at, `${byIndex.size} of ${payees.length} payouts paid`);
    }
    const total = chainEvents.reduce((sum, e) => sum + e.amount, 0n);
    const dust = payoutDustIndex(
      total,
      payees,
      new Map([...byIndex].map(([index, event]) => [index, event.amount])),
      at,
    );
    const amounts = splitRelease(total, payees, at, dust);
    const vault = vaults.get(chain)?.toLowerCase();
    let toVault = 0n;
    payees.forEach((payee, index) => {
      const event = byIndex.get(index);
      if (!event) throw new InvalidNettingInputError(at, `payout index ${index} not paid`);
      if (event.shareBps !== payee.shareBps) {
        throw new InvalidNettingInputError(`${at}[${index}]`, `shareBps ${event.shareBps}, table ${payee.shareBps}`);
      }
      if (event.amount !== amounts[index]) {
        throw new InvalidNettingInputError(`${at}[${index}]`, `paid ${event.amount}, split gives ${amounts[index]}`);
      }
      const expected = payee.chain === chain ? payee.account.toLowerCase() : vault;
      if (expected === undefined || event.payee.toLowerCase() !== expected) {
        throw new InvalidNettingInputError(`${at}[${index}]`, `paid ${event.payee}, expected ${expected ?? "a vault"}`);
      }
      if (payee.chain !== chain) toVault += event.amount;
    });
    released.set(chain, total);
    vaultReceived.set(chain, toVault);
    if (dust !== undefined) dustIndex.set(chain, dust);
  }
  return { release: { modelId, epoch, payees, released, dustIndex }, vaultReceived };
}

/**
 * Which payout of a chain took the rounding dust: payouts arrive in any order and the one that completes 10,000 bps
 * takes the remainder, so it is the one entry paid more than its floor (`total * shareBps / 10,000`); undefined when
 * the split had no dust, or while some payout is still to come (the sum of a partial set is not the chain's total).
 * More than one entry above its floor of a complete set is not a split the contracts make: it throws.
 *
 * @example const dust = payoutDustIndex(16_125n, payees, new Map([[0, 161n], [1, 15_964n]]), "payouts(2, 7)");
 */
export function payoutDustIndex(
  total: bigint,
  payees: readonly Pick<SettlementPayee, "shareBps">[],
  paid: ReadonlyMap<number, bigint>,
  at: string,
): number | undefined {
  if (payees.some((_, index) => !paid.has(index))) return undefined;
  const above = payees
    .map((payee, index) => ({ index, floor: (total * BigInt(payee.shareBps)) / BigInt(BPS) }))
    .filter(({ index, floor }) => (paid.get(index) ?? 0n) > floor)
    .map(({ index }) => index);
  if (above.length > 1) throw new InvalidNettingInputError(at, `payouts ${above.join(", ")} exceed their share`);
  return above[0];
}
