/**
 * `npm run bench`: runs the bench sections in order and writes bench/results.json, bench/results.md and the plots
 * (bench/results/*.svg). Loopback only. `--quick` for a short run (CI keeps the bench code alive with it; figures
 * never fail it), `--only a,b` for some sections.
 *
 * @example
 * npm run bench -- --quick
 * npx tsx bench/run.ts --only sketch,netting
 */
import "./lib/localEnv.ts";
import { mkdirSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { mergeRuns, printSummary, type Run, readRun, writeJson, writeMarkdown } from "./lib/report.ts";
import { runSection, type Section, type SectionResult } from "./lib/section.ts";
import { load, out } from "./lib/stats.ts";
import { devnetStartSection } from "./sections/devnetStart.ts";
import { evaluatorSection } from "./sections/evaluator.ts";
import { nettingSection } from "./sections/netting.ts";
import { gasSection } from "./sections/payPerCall/gas.ts";
import { gatewaySection, stopAnvils } from "./sections/payPerCall/gateway.ts";
import { vouchersSection } from "./sections/payPerCall/vouchers.ts";
import { probeErrorSection } from "./sections/probeError.ts";
import { proberSection } from "./sections/prober/prober.ts";
import { stopDevnetRelays } from "./sections/relay/devnetRelay.ts";
import { receiptGasSection } from "./sections/relay/receiptGas.ts";
import { relayOverheadSection } from "./sections/relay/relayOverhead.ts";
import { relayThroughputSection } from "./sections/relay/relayThroughput.ts";
import { scaleModelSection } from "./sections/scaleModel.ts";
import { sketchSection } from "./sections/sketch.ts";

// Vouchers before the gateway: the gateway's note on what bounds it reads the voucher check's time.
const SECTIONS: readonly Section[] = [
  evaluatorSection,
  sketchSection,
  nettingSection,
  devnetStartSection,
  probeErrorSection,
  proberSection,
  vouchersSection,
  gatewaySection,
  gasSection,
  relayOverheadSection,
  receiptGasSection,
  relayThroughputSection,
  // Last: it projects the figures of the sections before it.
  scaleModelSection,
];
const NAMES = SECTIONS.map((s) => s.name);

const HELP = `slabridge benchmarks: writes bench/results.json, bench/results.md and bench/results/*.svg.

Usage: npm run bench -- [options]    (or: npx tsx bench/run.ts [options] after npm run build)

Options:
  --quick              a short run (small sizes, one repeat): keeps the code alive, figures indicative only
  --only <sections>    comma-separated subset of: ${NAMES.join(", ")}
                       (replaces those sections in bench/results.json and .md, keeps the others)
  -h, --help           show this help
`;

const REPO_ROOT = path.resolve(import.meta.dirname, "..");

function options(): { quick: boolean; only: boolean; sections: Section[] } | undefined {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      only: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return undefined;
  const only = values.only?.split(",").map((s) => s.trim());
  const unknown = only?.filter((name) => !NAMES.includes(name)) ?? [];
  if (unknown.length > 0) throw new Error(`unknown section(s) ${unknown.join(", ")}; sections: ${NAMES.join(", ")}`);
  return {
    quick: values.quick ?? false,
    only: only !== undefined,
    sections: SECTIONS.filter((s) => only === undefined || only.includes(s.name)),
  };
}

async function main(): Promise<void> {
  const chosen = options();
  if (chosen === undefined) {
    process.stdout.write(HELP);
    return;
  }
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(
      signal,
      () => void Promise.allSettled([stopAnvils(), stopDevnetRelays()]).finally(() => process.exit(130)),
    );
  }
  const machine = { node: process.version, cpus: availableParallelism(), cpuModel: cpus()[0]?.model ?? "unknown" };
  out(`slabridge bench${chosen.quick ? " --quick" : ""}: ${chosen.sections.map((s) => s.name).join(", ")}`);
  out(`node ${machine.node}, ${machine.cpus} CPUs (${machine.cpuModel}), load average ${load().join(" / ")}`);
  const resultsDir = path.join(REPO_ROOT, "bench/results");
  mkdirSync(resultsDir, { recursive: true });
  const started = performance.now();
  const sections: SectionResult[] = [];
  try {
    for (const section of chosen.sections) {
      const t = performance.now();
      sections.push(await runSection(section, { quick: chosen.quick, resultsDir, previous: sections }));
      out(`  ${section.name} done in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }
  } finally {
    await Promise.allSettled([stopAnvils(), stopDevnetRelays()]);
  }
  const args = process.argv.slice(2).join(" ");
  const thisRun: Run = {
    date: new Date().toISOString(),
    quick: chosen.quick,
    command: `npm run bench${args ? ` -- ${args}` : ""}`,
    seconds: (performance.now() - started) / 1000,
    machine,
    sections,
  };
  const json = path.join(REPO_ROOT, "bench/results.json");
  const md = path.join(REPO_ROOT, "bench/results.md");
  // `--only` replaces its sections in the earlier report and keeps the rest, so a partial run never drops sections.
  const earlier = chosen.only ? readRun(json) : undefined;
  const run = earlier ? mergeRuns(earlier, thisRun, NAMES) : thisRun;
  writeJson(json, run);
  writeMarkdown(md, run);
  printSummary(run, [json, md, ...sections.flatMap((s) => (s.plots ?? []).map((p) => path.join(resultsDir, p)))]);
}

await main();
