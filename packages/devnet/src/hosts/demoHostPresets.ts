import type { DemoHostConfigInput } from "./DemoHostConfig.ts";

/**
 * Behaviours against a typical SLA of p95 <= 500 ms and >= 99% uptime: `healthy` meets it, `slowP95` breaks the latency
 * term (a quarter of the calls take ~900 ms, median still fast), `poorUptime` breaks the uptime term (20% of requests get 503).
 *
 * @example
 * await startDemoHost({ name: "h1", model: "llama-demo", ...demoHostPresets.slowP95 });
 */
export const demoHostPresets = {
  healthy: { latency: { baseMs: 40, jitterMs: 20, tailProbability: 0.02, slowMs: 150 }, failureRate: 0 },
  // A quarter of the calls slow, not a tenth: an epoch of ~50 probes then never holds too few slow ones to cross the
  // p95 line by chance (with 10% slow, 1 epoch in 10 read as healthy).
  slowP95: { latency: { baseMs: 40, jitterMs: 20, tailProbability: 0.25, p95Ms: 900 }, failureRate: 0 },
  poorUptime: {
    latency: { baseMs: 40, jitterMs: 20, tailProbability: 0.02, slowMs: 150 },
    failureRate: 0.2,
    failureMode: "http503",
  },
} as const satisfies Record<string, DemoHostConfigInput>;

/** Name of a preset in {@link demoHostPresets}. */
export type DemoHostPreset = keyof typeof demoHostPresets;
