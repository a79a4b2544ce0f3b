// Netting section: value that crosses chains when a round is netted (core's planNetting, what runNettingRound
// executes) against paying every share owed on another chain across on its own.
import { type EpochRelease, planNetting, type SettlementPayee } from "@slabridge/core";
import { createRng } from "@slabridge/devnet";
import { type Figure, reportOnly, type Section } from "../lib/section.ts";
import { int, type MinMedMax, mdTable, out, overRepeats, ratio } from "../lib/stats.ts";

const CHAINS = [1, 10, 8453, 42161];
const RELEASES_PER_ROUND = 50;

/** A random revenue table: 50 (model, epoch)s, 1-6 payees each on random chains, released on 1-3 chains. */
function randomRound(seed: number): EpochRelease[] {
  const rng = createRng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)] as T;
  return Array.from({ length: RELEASES_PER_ROUND }, (_, m) => {
    const count = 1 + Math.floor(rng() * 6);
    const weights = Array.from({ length: count }, () => 1 + rng() * 9);
    const sum = weights.reduce((a, b) => a + b, 0);
    const bps = weights.map((w) => Math.floor((w / sum) * 10_000));
    bps[0] = (bps[0] ?? 0) + 10_000 - bps.reduce((a, b) => a + b, 0);
    // Payees recur across models (a few studios and hosts per chain), as in a real marketplace.
    const payees: SettlementPayee[] = bps.map((shareBps) => ({
      chain: pick(CHAINS),
      account: `0x${Math.floor(rng() * 20)
        .toString(16)
        .padStart(40, "0")}`,
      shareBps,
    }));
    const released = new Map<number, bigint>();
    const chains = 1 + Math.floor(rng() * 3);
    for (let c = 0; c < chains; c++) released.set(pick(CHAINS), BigInt(Math.floor(1e6 + rng() * 1e9)));
    return { modelId: BigInt(m + 1), epoch: 1n, payees, released };
  });
}

interface Table {
  readonly netted: bigint;
  readonly perShare: bigint;
  readonly transfers: number;
  readonly crossShares: number;
}

function measure(seed: number): Table {
  const plan = planNetting(randomRound(seed));
  const cross = plan.shares.filter((s) => s.via === "vault" && s.amount > 0n);
  return {
    netted: plan.transfers.reduce((sum, t) => sum + t.amount, 0n),
    perShare: cross.reduce((sum, s) => sum + s.amount, 0n),
    transfers: plan.transfers.length,
    crossShares: cross.length,
  };
}

export const nettingSection: Section = {
  name: "netting",
  run: async ({ quick }) => {
    const repeats = quick ? 20 : 200;
    const tables = Array.from({ length: repeats }, (_, i) => measure(500 + i));
    out(`  ${repeats} random rounds of ${RELEASES_PER_ROUND} (model, epoch)s on ${CHAINS.length} chains`);
    const valueRatio = overRepeats(tables.map((t) => Number(t.netted) / Number(t.perShare)));
    const countRatio = overRepeats(tables.map((t) => t.transfers / t.crossShares));
    const netted = overRepeats(tables.map((t) => Number(t.netted)));
    const perShare = overRepeats(tables.map((t) => Number(t.perShare)));
    const transfers = overRepeats(tables.map((t) => t.transfers));
    const crossShares = overRepeats(tables.map((t) => t.crossShares));
    const figures: Figure[] = [
      {
        what: "value bridged, netted",
        unit: "units",
        value: netted,
        baseline: { what: "per share", value: perShare },
        ratio: valueRatio,
      },
      {
        what: "bridge transfers, netted",
        unit: "transfers",
        value: transfers,
        baseline: { what: "per share", value: crossShares },
        ratio: countRatio,
      },
    ];
    const row = (what: string, m: MinMedMax, f: (x: number) => string) => [what, f(m.median), f(m.min), f(m.max)];
    const markdown = [
      `${repeats} random revenue tables (seeded): each a round of ${RELEASES_PER_ROUND} (model, epoch)s, 1-6 payees per model`,
      `drawn from 20 accounts on ${CHAINS.length} chains, each release on 1-3 chains. Netted: the transfers of core's \`planNetting\``,
      "(what `runNettingRound` sends). Baseline: every share owed to a payee on another chain bridged on its own.",
      "",
      mdTable(
        ["figure", " median", " min", " max"],
        [
          row("value bridged, netted / per share", valueRatio, ratio),
          row("transfers, netted / per share", countRatio, ratio),
          row("transfers per round, netted", transfers, int),
          row("cross-chain shares per round", crossShares, int),
        ],
      ),
    ].join("\n");
    return {
      title: "Netting: value bridged with and without netting",
      repeats,
      figures,
      goals: [reportOnly("value bridged, netted / per share", ratio(valueRatio.median))],
      markdown,
      data: { tables: tables.map((t) => ({ ...t, netted: t.netted.toString(), perShare: t.perShare.toString() })) },
    };
  },
};
