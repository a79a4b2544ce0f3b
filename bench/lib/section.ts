// What every bench section returns, and how a goal is judged against its figure.
import { load, type MinMedMax, out } from "./stats.ts";

/** One goal of a section: met, not met (by how much), or null when the section only reports the figure. */
export interface Goal {
  readonly what: string;
  readonly goal: string;
  readonly measured: string;
  readonly met: boolean | null;
  /** How far from the goal, e.g. "2.3x over" or "40% under". */
  readonly by?: string;
}

/** One figure beside the baseline measured in the same run. */
export interface Figure {
  readonly what: string;
  readonly value: MinMedMax;
  readonly unit: string;
  readonly baseline?: { readonly what: string; readonly value: MinMedMax };
  /** value / baseline, per repeat, then min/median/max. */
  readonly ratio?: MinMedMax;
}

export interface SectionResult {
  readonly name: string;
  readonly title: string;
  /** When it ran and whether as `--quick` (a merged report keeps sections of earlier runs). */
  readonly ranAt?: string;
  readonly quick?: boolean;
  readonly loadBefore: number[];
  readonly loadAfter: number[];
  readonly repeats: number;
  readonly figures: readonly Figure[];
  readonly goals: readonly Goal[];
  /** Where a goal is not met: what bounds it. */
  readonly bounds?: string;
  /** The section's own text (method, extra tables). */
  readonly markdown: string;
  /** Plots written to bench/results/, by file name. */
  readonly plots?: readonly string[];
  readonly data: Record<string, unknown>;
}

/** What a section's function returns; the runner adds the name, the load and the order. */
export type SectionBody = Omit<SectionResult, "name" | "loadBefore" | "loadAfter" | "ranAt" | "quick">;

export interface SectionContext {
  readonly quick: boolean;
  /** Directory for plots (bench/results). */
  readonly resultsDir: string;
  /** Sections already run, in order (a later section may explain an earlier figure). */
  readonly previous: readonly SectionResult[];
}

export interface Section {
  readonly name: string;
  readonly run: (context: SectionContext) => Promise<SectionBody>;
}

/**
 * Judges `value` against an upper (`<=`) or lower (`>=`) limit, saying by how much it misses or clears it.
 *
 * @example judge("evaluator time", 7_000, "<=", 5_000, seconds) // { met: false, by: "1.40x the goal", ... }
 */
export function judge(
  what: string,
  value: number,
  direction: "<=" | ">=",
  limit: number,
  format: (x: number) => string,
): Goal {
  const met = direction === "<=" ? value <= limit : value >= limit;
  const times = value / limit;
  return {
    what,
    goal: `${direction} ${format(limit)}`,
    measured: format(value),
    met,
    by: `${times.toFixed(2)}x the goal`,
  };
}

/** A figure reported without a goal. */
export const reportOnly = (what: string, measured: string): Goal => ({ what, goal: "report", measured, met: null });

export const verdict = (g: Goal): string => (g.met === null ? "reported" : g.met ? "met" : "not met");

/** Runs one section with its load average before and after. */
export async function runSection(section: Section, context: SectionContext): Promise<SectionResult> {
  const loadBefore = load();
  out(`## ${section.name}${context.quick ? " (quick)" : ""}: load average ${loadBefore.join(" / ")}`);
  const body = await section.run(context);
  const ranAt = new Date().toISOString();
  return { name: section.name, ranAt, quick: context.quick, loadBefore, loadAfter: load(), ...body };
}
