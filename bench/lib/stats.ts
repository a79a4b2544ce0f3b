// Statistics, formatting and the machine's load: shared by every bench section.
import { loadavg } from "node:os";

/** Nearest rank: the smallest sample with at least p of the samples at or below it (as latencyQuantile). */
export function quantile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
}

/** Quantiles of one latency distribution. */
export interface Spread {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}
export const spreadOf = (values: readonly number[]): Spread => ({
  p50: quantile(values, 0.5),
  p99: quantile(values, 0.99),
  max: Math.max(...values),
});

/** One figure over the repeats of a section. */
export interface MinMedMax {
  readonly min: number;
  readonly median: number;
  readonly max: number;
}
/** min/median/max of one figure over the repeats (median: nearest rank, so always a measured value). */
export const overRepeats = (values: readonly number[]): MinMedMax => ({
  min: Math.min(...values),
  median: quantile(values, 0.5),
  max: Math.max(...values),
});

/** The load average (1/5/15 min), two decimals. */
export const load = (): number[] => loadavg().map((x) => Number(x.toFixed(2)));

export const ms = (x: number): string => `${x.toFixed(3)} ms`;
export const seconds = (x: number): string => `${(x / 1000).toFixed(2)} s`;
export const int = (x: number): string => Math.round(x).toLocaleString("en-US");
export const ratio = (x: number): string => `${x.toFixed(2)}x`;
export const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
export const mmm = (m: MinMedMax, f: (x: number) => string): string =>
  `${f(m.median)} (min ${f(m.min)}, max ${f(m.max)})`;

/** A line of the bench's progress on stdout. */
export const out = (line = ""): void => {
  process.stdout.write(`${line}\n`);
};

/**
 * A markdown table; a column whose header starts with a space is right-aligned (numbers).
 *
 * @example mdTable(["figure", " median"], [["p95 error", "0.4%"]])
 */
export function mdTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const cells = (row: readonly string[]) => `| ${row.map((c) => c.trim()).join(" | ")} |`;
  const align = headers.map((h) => (h.startsWith(" ") ? "---:" : "---"));
  return [cells(headers), `|${align.join("|")}|`, ...rows.map(cells)].join("\n");
}
