import { BPS } from "../codec/constants.ts";
import { assertIntIn, MAX_U32 } from "./checks.ts";
import { InsufficientObservationsError, InvalidSlaInputError } from "./errors.ts";
import type { ProbeSample } from "./types.ts";

/** Options of {@link uptimeByBuckets}. */
export interface UptimeOptions {
  /** Bucket length in ms; buckets are aligned to unix time (`floor(atMs / bucketMs)`). */
  readonly bucketMs: number;
  /** The epoch's probers; a sample from anyone else is rejected. */
  readonly probers: readonly string[];
  /** How many distinct probers must reach the host in a bucket for it to be up (1..probers.length). */
  readonly quorum: number;
  /** A probe counts as reaching the host only with a valid answer within this many ms (the terms' probeTimeoutMs). */
  readonly probeTimeoutMs: number;
}

/** What {@link uptimeByBuckets} found. */
export interface UptimeResult {
  /** floor(upBuckets * 10,000 / observedBuckets). */
  readonly uptimeBps: number;
  readonly upBuckets: number;
  readonly observedBuckets: number;
}

/** Whether a probe got a valid answer within the timeout. */
export function reachedInTime(sample: ProbeSample, probeTimeoutMs: number): boolean {
  return sample.ok && sample.latencyMs <= probeTimeoutMs;
}

/**
 * Uptime by time buckets with a prober quorum. A bucket is **observed** when at least `quorum` distinct probers
 * probed in it (with fewer, the probers, not the host, were down: the bucket does not count either way), and **up**
 * when at least `quorum` distinct probers reached the host within the timeout in it (one success per prober is
 * enough). Uptime is `floor(up * 10,000 / observed)` bps: rounding down, a host never rounds its way up to a met SLA.
 *
 * Who a missing bucket is blamed on is settled by the probers before this runs: every prober that ran a round
 * records a sample for every listed host it reached in time, and records a failed one when the host is to blame
 * (an endpoint that is not an http(s) URL: `unprobeable`; a host still holding its probe when the round's deadline
 * came: `timeout`), so such buckets are observed and down. A bucket with fewer than `quorum` probers left is then
 * the probers' own gap (their function did not run, their region was down) and counts neither way.
 *
 * @throws {InvalidSlaInputError} on a sample from an unknown prober, a bad bucket size or quorum.
 * @throws {InsufficientObservationsError} when no bucket was observed.
 * @example
 * ```ts
 * const { uptimeBps } = uptimeByBuckets(samples, { bucketMs: 60_000, probers, quorum: 2, probeTimeoutMs: 2_000 });
 * ```
 */
export function uptimeByBuckets(samples: readonly ProbeSample[], options: UptimeOptions): UptimeResult {
  const { bucketMs, probers, quorum, probeTimeoutMs } = options;
  assertIntIn("bucketMs", bucketMs, 1, Number.MAX_SAFE_INTEGER);
  assertIntIn("probeTimeoutMs", probeTimeoutMs, 0, MAX_U32);
  const known = new Set(probers);
  if (known.size !== probers.length) throw new InvalidSlaInputError("probers", "a prober is listed twice");
  assertIntIn("quorum", quorum, 1, Math.max(1, known.size));
  if (known.size === 0) throw new InvalidSlaInputError("probers", "no probers");

  const probed = new Map<number, Set<string>>();
  const reached = new Map<number, Set<string>>();
  for (const [i, sample] of samples.entries()) {
    if (!known.has(sample.prober)) throw new InvalidSlaInputError(`samples[${i}].prober`, "not one of the probers");
    assertIntIn(`samples[${i}].atMs`, sample.atMs, 0, Number.MAX_SAFE_INTEGER);
    const bucket = Math.floor(sample.atMs / bucketMs);
    addTo(probed, bucket, sample.prober);
    if (reachedInTime(sample, probeTimeoutMs)) addTo(reached, bucket, sample.prober);
  }

  let observedBuckets = 0;
  let upBuckets = 0;
  for (const [bucket, who] of probed) {
    if (who.size < quorum) continue;
    observedBuckets++;
    if ((reached.get(bucket)?.size ?? 0) >= quorum) upBuckets++;
  }
  if (observedBuckets === 0) {
    throw new InsufficientObservationsError(
      `${samples.length} samples in ${probed.size} buckets; none probed by a quorum of ${quorum}`,
    );
  }
  return { uptimeBps: Math.floor((upBuckets * BPS) / observedBuckets), upBuckets, observedBuckets };
}

function addTo(map: Map<number, Set<string>>, bucket: number, prober: string): void {
  const set = map.get(bucket);
  if (set) set.add(prober);
  else map.set(bucket, new Set([prober]));
}
