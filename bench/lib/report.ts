// bench/results.json and bench/results.md from the sections' results, and the summary printed at the end.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { type Figure, type SectionResult, verdict } from "./section.ts";
import { mdTable, out } from "./stats.ts";

/** Sections of issue 13 this runner does not measure yet: listed so the report does not read as complete. */
const NOT_MEASURED = [
  "relay overhead and throughput on the devnet",
  "gas per receipt batch",
  "prober (probes per second, per vantage point)",
  "scale model",
] as const;

export interface Run {
  readonly date: string;
  readonly quick: boolean;
  readonly command: string;
  readonly seconds: number;
  readonly machine: { readonly node: string; readonly cpus: number; readonly cpuModel: string };
  readonly sections: readonly SectionResult[];
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
  writeFileSync(file, `${JSON.stringify({ ...run, notMeasured: NOT_MEASURED }, bigints, 2)}\n`);
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
        ...NOT_MEASURED.map((what) => [what, "", "", "", "not measured yet"]),
      ],
    ),
    "",
  ];
  for (const s of run.sections) {
    lines.push(
      `## ${s.name}: ${s.title}`,
      "",
      `Load average (1/5/15 min) before ${s.loadBefore.join(" / ")}, after ${s.loadAfter.join(" / ")}; ${s.repeats} repeat(s).`,
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
  for (const s of run.sections) {
    for (const g of s.goals) out(`  ${verdict(g).padEnd(8)} ${s.name}: ${g.what}: ${g.measured} (goal ${g.goal})`);
  }
  out(`  not measured yet: ${NOT_MEASURED.join("; ")}`);
  out(`done in ${run.seconds.toFixed(1)} s; wrote ${written.map((w) => path.relative(process.cwd(), w)).join(", ")}`);
}
