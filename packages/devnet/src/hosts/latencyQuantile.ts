/** The latency model: `baseMs + U(0, jitterMs)`, plus `slowMs` with probability `tailProbability`. */
export interface LatencyModel {
  readonly baseMs: number;
  readonly jitterMs: number;
  readonly tailProbability: number;
  readonly slowMs: number;
}

function uniformCdf(x: number, width: number): number {
  if (width === 0) return x >= 0 ? 1 : 0;
  return Math.min(1, Math.max(0, x / width));
}

/**
 * The exact p-quantile of the latency model (the smallest x with CDF(x) >= p), for dialling and checking p95.
 *
 * @example
 * latencyQuantile({ baseMs: 40, jitterMs: 20, tailProbability: 0.1, slowMs: 500 }, 0.95); // 550
 */
export function latencyQuantile(model: LatencyModel, p: number): number {
  const q = model.tailProbability;
  const cdf = (x: number): number =>
    (1 - q) * uniformCdf(x - model.baseMs, model.jitterMs) +
    q * uniformCdf(x - model.baseMs - model.slowMs, model.jitterMs);
  let lo = model.baseMs;
  let hi = model.baseMs + model.jitterMs + (q > 0 ? model.slowMs : 0);
  if (cdf(lo) >= p) return lo;
  // The CDF is monotone and piecewise linear; bisection to well below a microsecond is plenty.
  for (let i = 0; i < 64 && hi - lo > 1e-9; i++) {
    const mid = (lo + hi) / 2;
    if (cdf(mid) >= p) hi = mid;
    else lo = mid;
  }
  return hi;
}
