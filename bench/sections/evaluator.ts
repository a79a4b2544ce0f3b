// Evaluator section: the report path of one epoch (core's evaluateEpoch: uptime by buckets, LatencySketch
// percentiles, samples Merkle root, refund) for 10,000 hosts x 60 one-minute rounds x 5 probers, beside exact
// quantiles by sorting every sample; and the stored-sketch path (each prober's sketch deserialized and merged per host).
import {
  effectiveLatencyMs,
  evaluateEpoch,
  LatencySketch,
  type ProbeSample,
  type SlaTerms,
  samplesRoot,
  uptimeByBuckets,
} from "@slabridge/core";
import { createRng } from "@slabridge/devnet";
import { type Figure, judge, type Section } from "../lib/section.ts";
import { int, type MinMedMax, mdTable, out, overRepeats, pct, ratio, seconds } from "../lib/stats.ts";

const HOSTS = 10_000;
const ROUNDS = 60;
const PROBERS = ["p1", "p2", "p3", "p4", "p5"];
const BUCKET_MS = 60_000;
const EPOCH_START = 1_767_225_600_000;
const GOAL_MS = 5_000;
const TERMS: SlaTerms = {
  maxP95LatencyMs: 500,
  minUptimeBps: 9_900,
  probeTimeoutMs: 2_000,
  latencyBreachRefundBps: 2_500,
  tiers: [{ uptimeBelowBps: 9_900, refundBps: 1_000 }],
};

/** One host's epoch: every prober probes once a round; lognormal latencies, 0.5% failures. */
function hostSamples(rng: () => number): ProbeSample[] {
  const samples: ProbeSample[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const round = EPOCH_START + r * BUCKET_MS;
    for (const prober of PROBERS) {
      const z = Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
      const latencyMs = Math.min(TERMS.probeTimeoutMs, Math.round(Math.exp(Math.log(120) + 0.6 * z)));
      samples.push({ prober, round, atMs: round + Math.floor(rng() * 50), latencyMs, ok: rng() >= 0.005 });
    }
  }
  return samples;
}

const PATHS = ["evaluateEpoch", "merge", "exact", "uptime", "sketch", "root"] as const;
type PathName = (typeof PATHS)[number];

/** The paths bound by keccak256 per sample (~35 ms a host here): timed on every `SLOW_EVERY`th host only. */
const SLOW: readonly PathName[] = ["evaluateEpoch", "root"];

/** Times each path on one host's samples; the order rotates per host so no path always runs on a cold cache. */
function timeHost(samples: ProbeSample[], stored: Uint8Array[], h: number, slow: boolean, pass: Pass): void {
  const latencies = () => samples.map((s) => effectiveLatencyMs(s, TERMS.probeTimeoutMs));
  const run: Record<PathName, () => unknown> = {
    evaluateEpoch: () =>
      evaluateEpoch({
        modelId: BigInt(h + 1),
        epoch: 1n,
        terms: TERMS,
        samples,
        probers: PROBERS,
        quorum: 3,
        bucketMs: BUCKET_MS,
      }),
    merge: () => {
      const total = new LatencySketch();
      for (const bytes of stored) total.merge(LatencySketch.deserialize(bytes));
      return [total.quantile(0.5), total.quantile(0.95), total.quantile(0.99)];
    },
    exact: () => {
      const sorted = Float64Array.from(latencies()).sort();
      return [0.5, 0.95, 0.99].map((q) => sorted[Math.floor(q * (sorted.length - 1))]);
    },
    uptime: () =>
      uptimeByBuckets(samples, {
        bucketMs: BUCKET_MS,
        probers: PROBERS,
        quorum: 3,
        probeTimeoutMs: TERMS.probeTimeoutMs,
      }),
    sketch: () => {
      const sketch = new LatencySketch();
      for (const l of latencies()) sketch.add(l);
      return sketch.quantile(0.95);
    },
    root: () => samplesRoot(BigInt(h + 1), samples),
  };
  for (let i = 0; i < PATHS.length; i++) {
    const name = PATHS[(h + i) % PATHS.length] as PathName;
    if (!slow && SLOW.includes(name)) continue;
    const started = performance.now();
    run[name]();
    pass.totals[name] += performance.now() - started;
    pass.hosts[name] += 1;
  }
}

/** What each prober stores for the host: its own sketch, serialized. */
function storedSketches(samples: readonly ProbeSample[]): Uint8Array[] {
  return PROBERS.map((p) => {
    const sketch = new LatencySketch();
    for (const s of samples) if (s.prober === p) sketch.add(effectiveLatencyMs(s, TERMS.probeTimeoutMs));
    return sketch.serialize();
  });
}

interface Pass {
  /** Time summed over the hosts a path ran on, and how many. */
  readonly totals: Record<PathName, number>;
  readonly hosts: Record<PathName, number>;
  heapDelta: number;
  rssDelta: number;
}

function pass(hosts: number, slowEvery: number, seed: number): Pass {
  const rng = createRng(seed);
  const zero = () => Object.fromEntries(PATHS.map((p) => [p, 0])) as Record<PathName, number>;
  const result: Pass = { totals: zero(), hosts: zero(), heapDelta: 0, rssDelta: 0 };
  const before = process.memoryUsage();
  let peakHeap = before.heapUsed;
  let peakRss = before.rss;
  for (let h = 0; h < hosts; h++) {
    const samples = hostSamples(rng);
    timeHost(samples, storedSketches(samples), h, h % slowEvery === 0, result);
    if (h % 250 === 0) {
      const now = process.memoryUsage();
      peakHeap = Math.max(peakHeap, now.heapUsed);
      peakRss = Math.max(peakRss, now.rss);
    }
  }
  result.heapDelta = peakHeap - before.heapUsed;
  result.rssDelta = peakRss - before.rss;
  return result;
}

export const evaluatorSection: Section = {
  name: "evaluator",
  run: async ({ quick }) => {
    const hosts = quick ? 1_000 : HOSTS;
    const slowEvery = quick ? 50 : 50;
    const repeats = quick ? 1 : 3;
    const passes: Pass[] = [];
    for (let r = 0; r < repeats; r++) {
      const started = performance.now();
      passes.push(pass(hosts, slowEvery, 7 + r));
      out(`  pass ${r + 1}: ${int(hosts)} hosts in ${seconds(performance.now() - started)} (samples drawn included)`);
    }
    // Time for 10,000 hosts: the mean per host a path ran on, times 10,000 (each host's work is the same size).
    const perHost = (x: Pass, p: PathName) => x.totals[p] / x.hosts[p];
    const of = (p: PathName) => overRepeats(passes.map((x) => perHost(x, p) * HOSTS));
    const vsExact = (p: PathName) => overRepeats(passes.map((x) => perHost(x, p) / perHost(x, "exact")));
    const exact = of("exact");
    const figures: Figure[] = PATHS.filter((p) => p !== "exact").map((p) => ({
      what: `${p} for ${int(HOSTS)} hosts`,
      unit: "ms",
      value: of(p),
      baseline: { what: "exact quantiles (sort every sample)", value: exact },
      ratio: vsExact(p),
    }));
    const evaluate = of("evaluateEpoch");
    const heap = overRepeats(passes.map((p) => p.heapDelta / 2 ** 20));
    const rss = overRepeats(passes.map((p) => p.rssDelta / 2 ** 20));
    const goal = judge(
      `evaluateEpoch for ${int(HOSTS)} hosts x ${ROUNDS} min x ${PROBERS.length} probers`,
      evaluate.median,
      "<=",
      GOAL_MS,
      seconds,
    );
    const shares = (["uptime", "sketch", "root"] as const).map((p) => `${p} ${pct(of(p).median / evaluate.median)}`);
    const bounds =
      `Parts of evaluateEpoch timed alone, as a share of it: ${shares.join(", ")} ` +
      "(root: core's samplesRoot, the samples Merkle root: per sample keccak256 of the prober id, a double keccak256 of " +
      "the leaf, and its share of the tree, all on hex strings in JavaScript; sketch: 1% DDSketch adds). The " +
      "percentiles alone (sketch, or merging the probers' stored sketches) are far under the goal.";
    const mmmS = (m: MinMedMax) => `${seconds(m.median)} (${seconds(m.min)}-${seconds(m.max)})`;
    const markdown = [
      `${int(hosts)} hosts, each with one epoch of`,
      `${ROUNDS} one-minute rounds x ${PROBERS.length} probers = ${ROUNDS * PROBERS.length} samples (lognormal, 0.5% failed),`,
      `${repeats} pass(es). Every path runs on the same host's samples, in an order rotated per host; samples are drawn`,
      "outside the timed calls. `merge`: the evaluator's side of the stored-sketch path (deserialize the five probers'",
      "sketches, merge, three quantiles). Baseline: sorting every effective latency and reading p50/p95/p99.",
      `evaluateEpoch and root (keccak256 per sample) run on every ${slowEvery}th host only (${int(Math.ceil(hosts / slowEvery))} hosts);`,
      `every time is the mean per host it ran on x ${int(HOSTS)}.`,
      "",
      mdTable(
        ["path", " time for 10,000 hosts, median (min-max)", " / exact sort"],
        [
          ...figures.map((f) => [f.what.split(" ")[0] ?? "", mmmS(f.value), ratio(f.ratio?.median ?? NaN)]),
          ["exact (baseline)", mmmS(exact), "1.00x"],
        ],
      ),
      "",
      `Memory during a pass (peak - start, sampled every 250 hosts): heap ${heap.median.toFixed(1)} MiB`,
      `(${heap.min.toFixed(1)}-${heap.max.toFixed(1)}), RSS ${rss.median.toFixed(1)} MiB (${rss.min.toFixed(1)}-${rss.max.toFixed(1)}).`,
    ].join("\n");
    return {
      title: "Evaluator: one epoch's reports for 10,000 hosts",
      repeats,
      figures: [
        ...figures,
        { what: "heap delta", unit: "MiB", value: heap },
        { what: "RSS delta", unit: "MiB", value: rss },
      ],
      goals: [goal],
      ...(goal.met ? {} : { bounds }),
      markdown: goal.met ? `${markdown}\n\n${bounds}` : markdown,
      data: { hosts, slowEvery, rounds: ROUNDS, probers: PROBERS.length, passes },
    };
  },
};
