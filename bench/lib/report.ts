// bench/results.json and bench/results.md from the sections' results, and the summary printed at the end.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type Figure, type SectionResult, verdict } from "./section.ts";
import { mdTable, out } from "./stats.ts";

/**
 * Sections of issue 13 measured by sections of this runner: one missing from a report is listed as not measured, so
 * a report of some sections never reads as complete.
 */
const EXPECTED: readonly { readonly what: string; readonly sections: readonly string[] }[] = [
  { what: "relay overhead on the devnet", sections: ["relay-overhead"] },
  { what: "relay throughput", sections: ["relay-throughput"] },
  { what: "gas per receipt batch", sections: ["receipt-gas"] },
  { what: "pay per call", sections: ["pay-vouchers", "pay-gateway", "pay-gas"] },
  { what: "evaluator", sections: ["evaluator"] },
  { what: "sketch", sections: ["sketch"] },
  { what: "prober throughput", sections: ["prober"] },
  { what: "probe error", sections: ["probe-error"] },
  { what: "netting", sections: ["netting"] },
  { what: "devnet start", sections: ["devnet-start"] },
  { what: "scale model", sections: ["scale-model"] },
];

/** What issue 13 asks for that this run's report lacks. */
export const notMeasured = (run: Pick<Run, "sections">): string[] =>
  EXPECTED.filter((e) => !e.sections.some((name) => run.sections.some((s) => s.name === name))).map((e) => e.what);

export interface Run {
  readonly date: string;
  readonly quick: boolean;
  readonly command: string;
  readonly seconds: number;
  readonly machine: { readonly node: string; readonly cpus: number; readonly cpuModel: string };
  readonly sections: readonly SectionResult[];
  /** Sections kept from an earlier run's results.json (`--only` replaces its sections and keeps the others). */
  readonly kept?: { readonly from: string; readonly sections: readonly string[] };
}

/**
 * The report after `--only`: the earlier run's sections with this run's replacing those of the same name, in the
 * runner's order (`order`, names it does not know last).
 *
 * @example mergeRuns(JSON.parse(readFileSync("bench/results.json", "utf8")), run, ["evaluator", "sketch"])
 */
export function mergeRuns(earlier: Run, now: Run, order: readonly string[]): Run {
  const fresh = new Set(now.sections.map((s) => s.name));
  // A section from before sections carried their own time ran when that report was written.
  const keptSections = earlier.sections
    .filter((s) => !fresh.has(s.name))
    .map((s) => (s.ranAt === undefined ? { ...s, ranAt: earlier.date, quick: earlier.quick } : s));
  if (keptSections.length === 0) return now;
  const rank = (name: string) => {
    const i = order.indexOf(name);
    return i === -1 ? order.length : i;
  };
  const sections = [...keptSections, ...now.sections].sort((a, b) => rank(a.name) - rank(b.name));
  return { ...now, sections, kept: { from: earlier.date, sections: keptSections.map((s) => s.name) } };
}

/** An earlier bench/results.json, or undefined when there is none or it is not a report this runner wrote. */
export function readRun(file: string): Run | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const run = JSON.parse(readFileSync(file, "utf8")) as Partial<Run>;
    const ok =
      typeof run.date === "string" &&
      Array.isArray(run.sections) &&
      run.sections.every((s) => typeof s?.name === "string" && Array.isArray(s.goals));
    return ok ? (run as Run) : undefined;
  } catch {
    return undefined; // unreadable: this run's report replaces it whole
  }
}

const bigints = (_: string, value: unknown) => (typeof value === "bigint" ? value.toString() : value);
const n = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3));
const figureRow = (f: Figure): string[] => [
  f.what,
  `${n(f.value.median)} ${f.unit} (${n(f.value.min)}-${n(f.value.max)})`,
  f.baseline
    ? `${f.baseline.what}: ${n(f.baseline.value.median)} (${n(f.baseline.value.min)}-${n(f.baseline.value.max)})`
    : "",
  f.ratio ? `${n(f.ratio.median)}x (${n(f.ratio.min)}-${n(f.ratio.max)})` : "",
];

export function writeJson(file: string, run: Run): void {
  writeFileSync(file, `${JSON.stringify({ ...run, notMeasured: notMeasured(run) }, bigints, 2)}\n`);
}

function markdown(run: Run): string {
  const goals = run.sections.flatMap((s) => s.goals.map((g) => ({ section: s.name, ...g })));
  const lines = [
    "# slabridge benchmarks",
    "",
    `${run.date}, ${run.quick ? "**a `--quick` run** (small sizes: figures are indicative only)" : "a full run"}: ` +
      `\`${run.command}\` in ${run.seconds.toFixed(0)} s; node ${run.machine.node}, ${run.machine.cpus} CPUs ` +
      `(${run.machine.cpuModel}), shared with other work, so every figure stands beside a baseline measured in the same ` +
      "run, as a ratio, with min/median/max over the section's repeats. Machine-readable: `bench/results.json`.",
    "",
    ...(run.kept
      ? [
          `Sections ${run.kept.sections.map((s) => `\`${s}\``).join(", ")} are kept from the run of ${run.kept.from} ` +
            "(this run replaced the others); each section says when it ran.",
          "",
        ]
      : []),
    "## Summary",
    "",
    mdTable(
      ["section", "figure", "goal", "measured", "result"],
      [
        ...goals.map((g) => [
          g.section,
          g.what,
          g.goal,
          g.measured,
          `${verdict(g)}${g.by && g.met !== null ? ` (${g.by})` : ""}`,
        ]),
        ...notMeasured(run).map((what) => [what, "", "", "", "not measured yet"]),
      ],
    ),
    "",
  ];
  for (const s of run.sections) {
    lines.push(
      `## ${s.name}: ${s.title}`,
      "",
      `${s.ranAt ? `Ran ${s.ranAt}${s.quick ? " (`--quick`)" : ""}. ` : ""}Load average (1/5/15 min) before ` +
        `${s.loadBefore.join(" / ")}, after ${s.loadAfter.join(" / ")}; ${s.repeats} repeat(s).`,
      "",
      mdTable(
        ["goal", "measured", "result"],
        s.goals.map((g) => [
          `${g.what} ${g.goal}`,
          g.measured,
          `${verdict(g)}${g.by && g.met !== null ? ` (${g.by})` : ""}`,
        ]),
      ),
      "",
      ...(s.bounds ? [`**What bounds it:** ${s.bounds}`, ""] : []),
      s.markdown,
      "",
      ...(s.figures.length > 0
        ? [mdTable(["figure", " median (min-max)", " baseline", " ratio"], s.figures.map(figureRow)), ""]
        : []),
      ...(s.plots ?? []).map((p) => `![${p}](results/${p})\n`),
    );
  }
  return `${lines.join("\n").trimEnd()}\n`;
}

export function writeMarkdown(file: string, run: Run): void {
  writeFileSync(file, markdown(run));
}

/** The few lines printed at the end: one per goal. */
export function printSummary(run: Run, written: readonly string[]): void {
  out("summary:");
  const fresh = run.sections.filter((s) => !run.kept?.sections.includes(s.name));
  for (const s of fresh) {
    for (const g of s.goals) out(`  ${verdict(g).padEnd(8)} ${s.name}: ${g.what}: ${g.measured} (goal ${g.goal})`);
  }
  const missing = notMeasured(run);
  if (run.kept) out(`  kept from the run of ${run.kept.from}: ${run.kept.sections.join(", ")}`);
  if (missing.length > 0) out(`  not measured yet: ${missing.join("; ")}`);
  out(`done in ${run.seconds.toFixed(1)} s; wrote ${written.map((w) => path.relative(process.cwd(), w)).join(", ")}`);
}
