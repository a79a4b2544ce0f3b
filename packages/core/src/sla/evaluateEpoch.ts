import { assertIntIn, MAX_U32 } from "./checks.ts";
import { InsufficientObservationsError, InvalidSlaInputError } from "./errors.ts";
import { LatencySketch } from "./LatencySketch.ts";
import { pickRefundBps } from "./pickRefundBps.ts";
import { samplesRoot } from "./samplesRoot.ts";
import type { ProbeSample, SlaReport, SlaTerms } from "./types.ts";
import { reachedInTime, uptimeByBuckets } from "./uptimeByBuckets.ts";
import { type UsageRecord, usageRecordsRoot } from "./usageRecords.ts";

/** Inputs of {@link evaluateEpoch}. */
export interface EvaluateEpochInput {
  readonly modelId: bigint;
  readonly epoch: bigint;
  /** The epoch's terms (`ModelRegistry.slaTermsAt(modelId, epoch)`). */
  readonly terms: SlaTerms;
  /** Every sample of the epoch, from every prober, in any order. */
  readonly samples: readonly ProbeSample[];
  readonly probers: readonly string[];
  readonly quorum: number;
  readonly bucketMs: number;
  /** The epoch's paid calls that reached the host (the gateway's usage records), for a model sold per call. */
  readonly paidCalls?: readonly UsageRecord[];
}

/**
 * The latency a probe contributes to the percentiles: its latency when it got a valid answer in time, else the
 * probe timeout. A failed request is no faster than a timeout for a buyer, and since the registry requires
 * probeTimeoutMs >= maxP95LatencyMs, failures can only push p95 towards a breach, never hide one.
 */
export function effectiveLatencyMs(sample: ProbeSample, probeTimeoutMs: number): number {
  return reachedInTime(sample, probeTimeoutMs) ? sample.latencyMs : probeTimeoutMs;
}

/**
 * Evaluates one (model, epoch) from its samples into the fields of a Report, ready to sign:
 * - p50/p95/p99: quantiles of a {@link LatencySketch} (1% relative accuracy) of {@link effectiveLatencyMs}, rounded
 *   to whole ms (the Report carries uint32 ms), clamped into order p50 <= p95 <= p99 as the oracle requires;
 * - uptimeBps: {@link uptimeByBuckets} with the terms' probe timeout, paid calls as the second witness;
 * - sampleCount, samplesRoot ({@link samplesRoot}); receiptCount, receiptsRoot ({@link usageRecordsRoot});
 * - refundBps: {@link pickRefundBps} of the epoch's terms, exactly what the SlaOracle recomputes.
 *
 * Deterministic: probers holding the same samples produce the same report, hence sign the same EIP-712 digest.
 *
 * @throws {InsufficientObservationsError} when there are no samples or no bucket reached quorum.
 * @throws {InvalidSlaInputError} on malformed samples, terms or options.
 * @example
 * ```ts
 * const terms = await registry.read.slaTermsAt([1n, 7n]);
 * const report = evaluateEpoch({ modelId: 1n, epoch: 7n, terms, samples, probers, quorum: 2, bucketMs: 60_000 });
 * ```
 */
export function evaluateEpoch(input: EvaluateEpochInput): SlaReport {
  const { terms, samples } = input;
  assertIntIn("terms.probeTimeoutMs", terms.probeTimeoutMs, 0, MAX_U32);
  if (samples.length === 0) throw new InsufficientObservationsError("no samples");
  if (samples.length > MAX_U32) throw new InsufficientObservationsError("more samples than a uint32 counts");
  const paidCalls = input.paidCalls ?? [];
  if (paidCalls.length > MAX_U32) throw new InvalidSlaInputError("paidCalls", "more records than a uint32 counts");

  const { uptimeBps } = uptimeByBuckets(samples, {
    bucketMs: input.bucketMs,
    probers: input.probers,
    quorum: input.quorum,
    probeTimeoutMs: terms.probeTimeoutMs,
    paidCalls,
  });
  const sketch = new LatencySketch();
  for (const sample of samples) sketch.add(effectiveLatencyMs(sample, terms.probeTimeoutMs));
  const ms = (q: number) => Math.min(MAX_U32, Math.round(sketch.quantile(q)));
  const p50Ms = ms(0.5);
  const p95Ms = Math.max(p50Ms, ms(0.95));
  const p99Ms = Math.max(p95Ms, ms(0.99));
  return {
    modelId: input.modelId,
    epoch: input.epoch,
    p50Ms,
    p95Ms,
    p99Ms,
    uptimeBps,
    sampleCount: samples.length,
    samplesRoot: samplesRoot(input.modelId, samples),
    receiptCount: paidCalls.length,
    receiptsRoot: usageRecordsRoot(input.modelId, paidCalls),
    refundBps: pickRefundBps(terms, { uptimeBps, p95Ms }),
  };
}
