import { InvalidNettingInputError } from "./errors.ts";
import { assertChainId, splitRelease } from "./splitRelease.ts";
import type { EpochRelease, NettingPlan, PayeeShare, VaultPayout, VaultPosition, VaultTransfer } from "./types.ts";

/**
 * Plans the netting of one settlement round: several (model, epoch)s, each released on one or more payment chains.
 *
 * Each chain's release R_c is split by the payee table as the Escrow splits it ({@link splitRelease}). A share whose
 * payee is paid on c went to the payee directly; any other share went to c's netting vault, so vault c holds
 * H_c = Σ shares of R_c owed elsewhere, and owes O_d = Σ_{c≠d} shares of R_c owed to payees on d. The positions
 * (H − O) of all (model, epoch)s of the round are added up before transfers are chosen, so value crosses chains only
 * for the round's net difference: surplus vaults send to deficit vaults, largest first, which takes at most
 * (chains − 1) transfers, none larger than the smaller of the two positions it settles.
 *
 * Pure and deterministic (same input, same plan, same order), so ids derived from it are stable across retries.
 *
 * @example
 * ```ts
 * const plan = planNetting([{ modelId: 2n, epoch: 7n, payees, released: new Map([[31337, 1_000_000n]]) }]);
 * // plan.transfers: [{ from: 31337, to: 31338, amount: 600_000n }], plan.payouts on 31338 ...
 * ```
 */
export function planNetting(releases: readonly EpochRelease[]): NettingPlan {
  const shares: PayeeShare[] = [];
  const holdings = new Map<number, bigint>();
  const obligations = new Map<number, bigint>();
  const owed = new Map<string, VaultPayout>();
  const seen = new Set<string>();
  const add = (map: Map<number, bigint>, chain: number, amount: bigint) =>
    map.set(chain, (map.get(chain) ?? 0n) + amount);

  releases.forEach((release, r) => {
    const field = `releases[${r}]`;
    const key = `${release.modelId}/${release.epoch}`;
    if (seen.has(key)) {
      throw new InvalidNettingInputError(field, `(model ${release.modelId}, epoch ${release.epoch}) appears twice`);
    }
    seen.add(key);
    for (const [sourceChain, released] of [...release.released].sort(([a], [b]) => a - b)) {
      assertChainId(sourceChain, `${field}.released`);
      const amounts = splitRelease(released, release.payees, `${field}.payees`, release.dustIndex?.get(sourceChain));
      add(holdings, sourceChain, 0n);
      release.payees.forEach((payee, payoutIndex) => {
        const amount = amounts[payoutIndex] ?? 0n;
        const via = payee.chain === sourceChain ? "direct" : "vault";
        shares.push({ modelId: release.modelId, epoch: release.epoch, payoutIndex, sourceChain, payee, amount, via });
        add(obligations, payee.chain, 0n);
        if (via === "direct" || amount === 0n) return;
        add(holdings, sourceChain, amount);
        add(obligations, payee.chain, amount);
        const id = `${payee.chain}/${payee.account}`;
        const payout = owed.get(id) ?? { chain: payee.chain, account: payee.account, amount: 0n };
        payout.amount += amount;
        owed.set(id, payout);
      });
    }
  });

  const chains = [...new Set([...holdings.keys(), ...obligations.keys()])].sort((a, b) => a - b);
  const positions: VaultPosition[] = chains.map((chain) => {
    const h = holdings.get(chain) ?? 0n;
    const o = obligations.get(chain) ?? 0n;
    return { chain, holdings: h, obligations: o, net: h - o };
  });
  const payouts = [...owed.values()].sort((a, b) =>
    a.chain === b.chain ? compare(a.account, b.account) : a.chain - b.chain,
  );
  return { shares, payouts, positions, transfers: settlePositions(positions) };
}

/**
 * Transfers that bring every position to zero: surpluses, largest first, fill deficits, largest first (ties by chain
 * id). At most (non-zero positions − 1) transfers; the total moved is Σ of the surpluses. Positions must sum to zero.
 *
 * @example
 * ```ts
 * settlePositions([{ chain: 1, holdings: 5n, obligations: 0n, net: 5n }, { chain: 2, holdings: 0n, obligations: 5n, net: -5n }]);
 * // [{ from: 1, to: 2, amount: 5n }]
 * ```
 */
export function settlePositions(positions: readonly VaultPosition[]): VaultTransfer[] {
  const total = positions.reduce((sum, p) => sum + p.net, 0n);
  if (total !== 0n) throw new InvalidNettingInputError("positions", `net positions sum to ${total}, not 0`);
  const byNet = (a: { chain: number; left: bigint }, b: { chain: number; left: bigint }) =>
    a.left === b.left ? a.chain - b.chain : a.left > b.left ? -1 : 1;
  const surpluses = positions
    .filter((p) => p.net > 0n)
    .map((p) => ({ chain: p.chain, left: p.net }))
    .sort(byNet);
  const deficits = positions
    .filter((p) => p.net < 0n)
    .map((p) => ({ chain: p.chain, left: -p.net }))
    .sort(byNet);
  const transfers: VaultTransfer[] = [];
  let s = 0;
  let d = 0;
  while (s < surpluses.length && d < deficits.length) {
    const from = surpluses[s];
    const to = deficits[d];
    if (!from || !to) break;
    const amount = smaller(from.left, to.left);
    transfers.push({ from: from.chain, to: to.chain, amount });
    from.left -= amount;
    to.left -= amount;
    if (from.left === 0n) s++;
    if (to.left === 0n) d++;
  }
  return transfers;
}

/** Math.min for bigints. */
function smaller(a: bigint, b: bigint): bigint {
  if (a < b) return a;
  return b;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
