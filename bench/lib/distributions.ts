// Seeded skewed latency distributions (ms), so every run draws the same samples.
import { createRng } from "@slabridge/devnet";

export type Draw = () => number;

/** A standard normal from two uniforms (Box-Muller). */
const normal = (rng: () => number): number => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());

/** The distributions the sketch section measures: a long body, a heavy tail, two modes (a slow path). */
export const DISTRIBUTIONS = {
  lognormal: (seed: number): Draw => {
    const rng = createRng(seed);
    return () => Math.exp(Math.log(100) + 0.8 * normal(rng));
  },
  pareto: (seed: number): Draw => {
    const rng = createRng(seed);
    // alpha 1.5: infinite variance, the p99 is ~ 21x the minimum.
    return () => 20 / (1 - rng()) ** (1 / 1.5);
  },
  bimodal: (seed: number): Draw => {
    const rng = createRng(seed);
    return () => Math.max(0, rng() < 0.9 ? 50 + 5 * normal(rng) : 800 + 80 * normal(rng));
  },
} as const satisfies Record<string, (seed: number) => Draw>;

export type DistributionName = keyof typeof DISTRIBUTIONS;
export const DISTRIBUTION_NAMES = Object.keys(DISTRIBUTIONS) as DistributionName[];

/** The exact lower quantile sorted[floor(q * (n - 1))], the one LatencySketch promises to be within 1% of. */
export const exactQuantile = (sorted: Float64Array, q: number): number =>
  sorted[Math.floor(q * (sorted.length - 1))] ?? NaN;
