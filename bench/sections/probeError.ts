// Probe error section: how far the latency a prober measures is from the latency a demo host injects. Probes each
// host sequentially (one request in flight, so probes do not queue behind each other).
import { createRng, type DemoHost, latencyQuantile, startDemoHost } from "@slabridge/devnet";
// Not exported to the root package; the bench replays the host's own draws with the host's own code.
import { runProbeRound } from "../../packages/measuring/src/index.ts";
import { type Figure, reportOnly, type Section } from "../lib/section.ts";
import { mdTable, out, pct, quantile } from "../lib/stats.ts";

const MODEL = "bench-7b";

interface Case {
  readonly name: string;
  readonly latency: Parameters<typeof startDemoHost>[0]["latency"];
  readonly seed: number;
}
const CASES: readonly Case[] = [
  { name: "base 40 + jitter 20", latency: { baseMs: 40, jitterMs: 20 }, seed: 101 },
  {
    name: "healthy preset (2% tail +150)",
    latency: { baseMs: 40, jitterMs: 20, tailProbability: 0.02, slowMs: 150 },
    seed: 102,
  },
  { name: "slowP95 preset (p95 900)", latency: { baseMs: 40, jitterMs: 20, p95Ms: 900 }, seed: 103 },
];

interface Measured {
  readonly name: string;
  /** Per quantile: configured (the model), host draws (sampling error only), measured. */
  readonly quantiles: { q: number; configured: number; draws: number; measured: number }[];
  readonly overhead: { min: number; p50: number; p95: number; max: number };
}

async function measure(c: Case, probes: number): Promise<Measured> {
  const host: DemoHost = await startDemoHost({
    name: c.name,
    model: MODEL,
    latency: c.latency,
    failureRate: 0,
    seed: c.seed,
  });
  try {
    const latency = host.config().latency;
    // No warm-up request: it would consume one of the host's draws and shift the replay below.
    const { samples } = await runProbeRound({
      targets: Array.from({ length: probes }, () => ({ modelId: "1", url: host.url, model: MODEL, timeoutMs: 10_000 })),
      prober: "bench",
      concurrency: 1,
    });
    const bad = samples.filter((s) => s.outcome !== "ok");
    if (bad.length > 0) throw new Error(`${bad.length} probes were not ok: ${bad[0]?.error ?? ""}`);
    // Replay the host's draws (fail, tail, jitter per request, in arrival order = probe order at concurrency 1).
    const rng = createRng(c.seed);
    const intended = samples.map(() => {
      rng();
      const tail = rng() < latency.tailProbability ? latency.slowMs : 0;
      return latency.baseMs + rng() * latency.jitterMs + tail;
    });
    const measured = samples.map((s) => s.rttMs);
    const overhead = measured.map((m, i) => m - (intended[i] ?? 0));
    return {
      name: c.name,
      quantiles: [0.5, 0.95].map((q) => ({
        q,
        configured: latencyQuantile(latency, q),
        draws: quantile(intended, q),
        measured: quantile(measured, q),
      })),
      overhead: {
        min: Math.min(...overhead),
        p50: quantile(overhead, 0.5),
        p95: quantile(overhead, 0.95),
        max: Math.max(...overhead),
      },
    };
  } finally {
    await host.close();
  }
}

export const probeErrorSection: Section = {
  name: "probe-error",
  run: async ({ quick }) => {
    const probes = quick ? 20 : 200;
    const results: Measured[] = [];
    for (const c of CASES) {
      results.push(await measure(c, probes));
      out(`  ${c.name}: ${probes} probes`);
    }
    const f = (x: number) => x.toFixed(2);
    const rows = results.flatMap((r) =>
      r.quantiles.map((x) => [
        `${r.name} p${x.q * 100}`,
        f(x.configured),
        f(x.draws),
        f(x.measured),
        pct((x.measured - x.configured) / x.configured),
        pct((x.measured - x.draws) / x.draws),
      ]),
    );
    // One probe set per host: min = median = max (the spread is across probes, in the overhead row).
    const one = (x: number) => ({ min: x, median: x, max: x });
    const figures: Figure[] = results.flatMap((r) =>
      r.quantiles.map((x) => ({
        what: `${r.name} p${x.q * 100} measured`,
        unit: "ms",
        value: one(x.measured),
        baseline: { what: "host draws", value: one(x.draws) },
        ratio: one(x.measured / x.draws),
      })),
    );
    const worst = Math.max(...results.flatMap((r) => r.quantiles.map((x) => Math.abs(x.measured - x.draws) / x.draws)));
    return {
      title: "Probe error: measured vs injected latency",
      repeats: 1,
      figures,
      goals: [reportOnly("probe error vs the host's draws, worst p50/p95", pct(worst))],
      markdown: [
        `${probes} sequential probes per demo host (loopback). Configured: the quantile of the host's latency model;`,
        "host draws: the same quantile of the delays the host drew for these very requests (sampling error only);",
        "measured: of the probes' round trips. Overhead = round trip - drawn delay, per probe.",
        "",
        mdTable(["case", " configured ms", " host draws ms", " measured ms", " vs configured", " vs draws"], rows),
        "",
        mdTable(
          ["case", " overhead min ms", " p50", " p95", " max"],
          results.map((r) => [r.name, f(r.overhead.min), f(r.overhead.p50), f(r.overhead.p95), f(r.overhead.max)]),
        ),
      ].join("\n"),
      data: { probes, results },
    };
  },
};
