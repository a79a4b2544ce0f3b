// Sketch section: LatencySketch (DDSketch, 1%) p95/p99 error and stored size on skewed distributions, beside exact
// quantiles and a t-digest fed the same samples.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { LatencySketch } from "@slabridge/core";
import { TDigest } from "tdigest";
import { DISTRIBUTION_NAMES, DISTRIBUTIONS, type DistributionName, exactQuantile } from "../lib/distributions.ts";
import { type Figure, type Goal, judge, type Section } from "../lib/section.ts";
import { int, type MinMedMax, mdTable, out, overRepeats, pct, ratio } from "../lib/stats.ts";
import { type LinePlot, linePlot } from "../lib/svg.ts";

const QUANTILES = [0.95, 0.99] as const;
/** One probe a minute for an hour: what one prober's sketch of one (host, epoch) holds. */
const PER_EPOCH = 60;

interface Checkpoint {
  readonly n: number;
  /** Relative error |estimate - exact| / exact per quantile, DDSketch then t-digest. */
  readonly sketch: Record<string, number>;
  readonly tdigest: Record<string, number>;
}

interface Run {
  readonly checkpoints: Checkpoint[];
  readonly sketchBytes: number;
  readonly tdigestBytes: number;
  readonly epochBytes: number;
  readonly cdf: { exact: [number, number][]; sketch: [number, number][]; tdigest: [number, number][] };
}

const relError = (estimate: number, exact: number): number => Math.abs(estimate - exact) / exact;

function measure(name: DistributionName, seed: number, counts: readonly number[]): Run {
  const draw = DISTRIBUTIONS[name](seed);
  const total = counts[counts.length - 1] ?? 0;
  const values = new Float64Array(total);
  const sketch = new LatencySketch();
  const digest = new TDigest();
  const checkpoints: Checkpoint[] = [];
  let sorted = new Float64Array(0);
  for (let i = 0; i < total; i++) {
    const v = draw();
    values[i] = v;
    sketch.add(v);
    digest.push(v);
    if (counts.includes(i + 1)) {
      sorted = values.slice(0, i + 1).sort();
      digest.compress();
      const of = (f: (q: number) => number) =>
        Object.fromEntries(QUANTILES.map((q) => [`p${q * 100}`, relError(f(q), exactQuantile(sorted, q))]));
      checkpoints.push({ n: i + 1, sketch: of((q) => sketch.quantile(q)), tdigest: of((q) => digest.percentile(q)) });
    }
  }
  const epoch = new LatencySketch();
  const epochDraw = DISTRIBUTIONS[name](seed + 1);
  for (let i = 0; i < PER_EPOCH; i++) epoch.add(epochDraw());
  const grid = Array.from({ length: 99 }, (_, i) => (i + 1) / 100).concat([0.995, 0.999]);
  return {
    checkpoints,
    sketchBytes: sketch.serialize().length,
    tdigestBytes: new TextEncoder().encode(JSON.stringify(digest.toArray())).length,
    epochBytes: epoch.serialize().length,
    cdf: {
      exact: grid.map((q) => [exactQuantile(sorted, q), q]),
      sketch: grid.map((q) => [sketch.quantile(q), q]),
      tdigest: grid.map((q) => [digest.percentile(q), q]),
    },
  };
}

export const sketchSection: Section = {
  name: "sketch",
  run: async ({ quick, resultsDir }) => {
    const repeats = quick ? 1 : 3;
    const counts = quick ? [1_000, 10_000, 100_000] : [1_000, 10_000, 100_000, 1_000_000];
    const n = counts[counts.length - 1] ?? 0;
    const runs = new Map<DistributionName, Run[]>();
    for (const name of DISTRIBUTION_NAMES) {
      const list: Run[] = [];
      for (let r = 0; r < repeats; r++) {
        const started = performance.now();
        list.push(measure(name, 1_000 + r, counts));
        out(`  ${name} seed ${1_000 + r}: ${int(n)} samples in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      }
      runs.set(name, list);
    }
    const last = (run: Run) => run.checkpoints[run.checkpoints.length - 1];
    const figures: Figure[] = [];
    const rows: string[][] = [];
    let worstError = 0;
    let worstBytes = 0;
    for (const [name, list] of runs) {
      for (const q of QUANTILES) {
        const key = `p${q * 100}`;
        const dd = list.map((r) => last(r)?.sketch[key] ?? NaN);
        const td = list.map((r) => last(r)?.tdigest[key] ?? NaN);
        worstError = Math.max(worstError, ...dd);
        const value = overRepeats(dd);
        const baseline = overRepeats(td);
        const ratios = overRepeats(dd.map((x, i) => x / (td[i] ?? NaN)));
        // Figures carry percent (the table above formats the fractions itself).
        const percent = (m: MinMedMax) => ({ min: m.min * 100, median: m.median * 100, max: m.max * 100 });
        figures.push({
          what: `${name} ${key} relative error vs exact`,
          unit: "%",
          value: percent(value),
          baseline: { what: "t-digest", value: percent(baseline) },
          ratio: ratios,
        });
        rows.push([`${name} ${key} error`, pctM(value), pctM(baseline), ratioM(ratios)]);
      }
      const bytes = overRepeats(list.map((r) => r.sketchBytes));
      const tdBytes = overRepeats(list.map((r) => r.tdigestBytes));
      const epochBytes = overRepeats(list.map((r) => r.epochBytes));
      worstBytes = Math.max(worstBytes, bytes.max);
      figures.push({
        what: `${name} serialized bytes (${int(n)} samples)`,
        unit: "B",
        value: bytes,
        baseline: { what: "t-digest JSON", value: tdBytes },
        ratio: overRepeats(list.map((r) => r.sketchBytes / r.tdigestBytes)),
      });
      rows.push([
        `${name} bytes, ${int(n)} samples (${PER_EPOCH} samples)`,
        `${int(bytes.median)} (${int(epochBytes.median)})`,
        int(tdBytes.median),
        ratio(bytes.median / tdBytes.median),
      ]);
    }
    const goals: Goal[] = [
      judge(`sketch p95/p99 relative error, worst of all, ${int(n)} samples`, worstError, "<=", 0.01, pct),
      judge(
        `sketch bytes per (host, epoch, prober), worst, ${int(n)} samples`,
        worstBytes,
        "<=",
        4_096,
        (x) => `${int(x)} B`,
      ),
    ];
    const plots = writePlots(resultsDir, runs);
    const markdown = [
      `${int(n)} samples per distribution (lognormal mu ln 100 sigma 0.8; Pareto x_m 20 alpha 1.5; bimodal 90% N(50, 5) +`,
      `10% N(800, 80)), ${repeats} seed(s). Error = |estimate - exact| / exact, exact = sorted[floor(q (n - 1))] of every`,
      `sample. Baseline: \`tdigest\` (npm, delta 0.01) fed the same samples; its size is its centroids as JSON, as the`,
      `sketch's own format is JSON too. Bytes in brackets: a sketch of ${PER_EPOCH} samples, one prober's hour.`,
      "",
      mdTable(["figure", " LatencySketch median (min-max)", " t-digest median (min-max)", " ratio"], rows),
    ].join("\n");
    return {
      title: "Latency sketch: error and size",
      repeats,
      figures,
      goals,
      markdown,
      plots,
      data: Object.fromEntries([...runs].map(([name, list]) => [name, list.map(({ cdf: _, ...r }) => r)])),
    };
  },
};

const pctM = (m: MinMedMax) => `${pct(m.median)} (${pct(m.min)}-${pct(m.max)})`;
const ratioM = (m: MinMedMax) => `${ratio(m.median)} (${ratio(m.min)}-${ratio(m.max)})`;

function writePlots(dir: string, runs: Map<DistributionName, Run[]>): string[] {
  const first = (name: DistributionName) => runs.get(name)?.[0];
  const errors: LinePlot = {
    title: "p99 relative error vs sample count (seed 1000)",
    xLabel: "samples",
    yLabel: "p99 relative error (%)",
    logX: true,
    series: DISTRIBUTION_NAMES.flatMap((name) => [
      { name: `${name} DDSketch`, points: pts(first(name), (c) => c.sketch.p99) },
      { name: `${name} t-digest`, points: pts(first(name), (c) => c.tdigest.p99) },
    ]),
  };
  const cdf = first("lognormal")?.cdf;
  const cdfPlot: LinePlot = {
    title: "lognormal latency CDF: exact vs sketches",
    xLabel: "latency (ms, log)",
    yLabel: "fraction of samples at or below",
    logX: true,
    series: [
      { name: "exact", points: cdf?.exact ?? [] },
      { name: "LatencySketch", points: cdf?.sketch ?? [] },
      { name: "t-digest", points: cdf?.tdigest ?? [] },
    ],
  };
  writeFileSync(path.join(dir, "sketch-error.svg"), linePlot(errors));
  writeFileSync(path.join(dir, "sketch-cdf.svg"), linePlot(cdfPlot));
  return ["sketch-error.svg", "sketch-cdf.svg"];
}

const pts = (run: Run | undefined, f: (c: Checkpoint) => number | undefined): [number, number][] =>
  (run?.checkpoints ?? []).map((c) => [c.n, (f(c) ?? NaN) * 100]);
