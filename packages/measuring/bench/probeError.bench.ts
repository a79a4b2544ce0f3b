/**
 * Probe error benchmark: how far the latency a prober measures is from the latency a demo host injects.
 *
 * Starts demo hosts with known latency models, probes each one sequentially (one request in flight, so probes do not
 * queue behind each other), and prints per host: the configured p50/p95 (exact, from the model), the p50/p95 of the
 * host's own seeded draws for these very requests (sampling error only), the measured p50/p95 (exact quantiles of
 * the samples), the error measured - configured (absolute and relative), and the per-probe overhead (measured rtt
 * minus the delay the host drew for that request), with the machine's load average.
 *
 * @example
 * npx tsx packages/measuring/bench/probeError.bench.ts            # 200 probes per host
 * PROBES=500 npx tsx packages/measuring/bench/probeError.bench.ts
 */
import { availableParallelism, loadavg } from "node:os";
import { createRng, type DemoHost, latencyQuantile, startDemoHost } from "@slabridge/devnet";
// Not exported by @slabridge/devnet; the bench replays the host's own draws with its own code, so both stay in step.
import { runProbeRound } from "../src/index.ts";

const probes = Number(process.env.PROBES ?? 200);
const model = "bench-7b";

interface Case {
  readonly name: string;
  readonly latency: Parameters<typeof startDemoHost>[0]["latency"];
  readonly seed: number;
}
const cases: readonly Case[] = [
  { name: "base 40 + jitter 20", latency: { baseMs: 40, jitterMs: 20 }, seed: 101 },
  {
    name: "healthy preset (2% tail +150)",
    latency: { baseMs: 40, jitterMs: 20, tailProbability: 0.02, slowMs: 150 },
    seed: 102,
  },
  { name: "slowP95 preset (p95 900)", latency: { baseMs: 40, jitterMs: 20, p95Ms: 900 }, seed: 103 },
];

/** Nearest rank: the smallest sample with at least p of the samples at or below it (matches latencyQuantile). */
function quantile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
}

const f = (x: number): string => x.toFixed(2);
const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
const out = (line = ""): void => {
  process.stdout.write(`${line}\n`);
};

async function measure(c: Case): Promise<void> {
  const host: DemoHost = await startDemoHost({ name: c.name, model, latency: c.latency, failureRate: 0, seed: c.seed });
  try {
    const latency = host.config().latency;
    // No warm-up request: it would consume one of the host's draws and shift the replay below. The first probe
    // pays the TCP connect, which shows up in the overhead max.
    const { samples } = await runProbeRound({
      targets: Array.from({ length: probes }, () => ({ modelId: "1", url: host.url, model, timeoutMs: 10_000 })),
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
    out(`## ${c.name}  (model ${JSON.stringify(latency)})`);
    for (const p of [0.5, 0.95]) {
      const configured = latencyQuantile(latency, p);
      const sampled = quantile(intended, p);
      const got = quantile(measured, p);
      out(
        `  p${p * 100}: configured ${f(configured)} ms | host draws ${f(sampled)} ms | measured ${f(got)} ms | ` +
          `error ${f(got - configured)} ms (${pct((got - configured) / configured)}) | ` +
          `error vs draws ${f(got - sampled)} ms (${pct((got - sampled) / sampled)})`,
      );
    }
    out(
      `  per-probe overhead (rtt - drawn delay): min ${f(Math.min(...overhead))} | p50 ${f(quantile(overhead, 0.5))} | ` +
        `p95 ${f(quantile(overhead, 0.95))} | max ${f(Math.max(...overhead))} ms`,
    );
  } finally {
    await host.close();
  }
}

const before = loadavg();
out(`probe error bench: ${probes} sequential probes per host, node ${process.version}, ${availableParallelism()} CPUs`);
out(`load average before (1/5/15 min): ${before.map((x) => x.toFixed(2)).join(" / ")}`);
out();
for (const c of cases) await measure(c);
out();
out(
  `load average after (1/5/15 min): ${loadavg()
    .map((x) => x.toFixed(2))
    .join(" / ")}`,
);
