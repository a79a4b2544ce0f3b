import { BPS } from "../codec/constants.ts";
import { assertIntIn, MAX_U32 } from "./checks.ts";
import { InsufficientObservationsError, InvalidSlaInputError } from "./errors.ts";
import type { ProbeSample } from "./types.ts";
import { paidBuckets, type UsageRecord } from "./usageRecords.ts";

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
  /** The epoch's paid calls that reached the host (a model sold per call), as more evidence; none by default. */
  readonly paidCalls?: readonly UsageRecord[];
}

/** What {@link uptimeByBuckets} found. */
export interface UptimeResult {
  /** floor(upBuckets * 10,000 / observedBuckets). */
  readonly uptimeBps: number;
  readonly upBuckets: number;
  readonly observedBuckets: number;
  /** Buckets counted down on paid traffic's evidence (the probes alone would have counted them up or not at all). */
  readonly downOnPaidTraffic: number;
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
 * Paid calls (`paidCalls`, the gateway's usage records) are the second witness, counted by distinct payer with the
 * same quorum ({@link paidBuckets}): a bucket where at least `quorum` payers called is observed by paid traffic, and
 * paid traffic says it was **down** when at least `quorum` payers only failed and they outnumber the payers served.
 * A bucket is observed when the probers or paid traffic observed it, and up unless either witness says down. So a
 * host that answers probes but fails its buyers is down, a probers' gap with live traffic still counts, and one
 * buyer (or a few) whose calls fail cannot turn a bucket down on their own. Latency is not taken from paid calls:
 * their prompts and outputs are the buyers' (a buyer could send prompts no host answers fast), while probes are
 * sized alike and look like buyers' calls to the host.
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

  const paid = paidBuckets(options.paidCalls ?? [], bucketMs);
  let observedBuckets = 0;
  let upBuckets = 0;
  let downOnPaidTraffic = 0;
  for (const bucket of new Set([...probed.keys(), ...paid.keys()])) {
    const probesObserved = (probed.get(bucket)?.size ?? 0) >= quorum;
    const probesUp = (reached.get(bucket)?.size ?? 0) >= quorum;
    const calls = paid.get(bucket);
    const paidObserved = calls !== undefined && calls.servedPayers + calls.failedPayers >= quorum;
    const paidDown = paidObserved && calls.failedPayers >= quorum && calls.failedPayers > calls.servedPayers;
    if (!probesObserved && !paidObserved) continue;
    observedBuckets++;
    if (paidDown) {
      if (!probesObserved || probesUp) downOnPaidTraffic++;
    } else if (!probesObserved || probesUp) upBuckets++;
  }
  if (observedBuckets === 0) {
    throw new InsufficientObservationsError(
      `${samples.length} samples in ${probed.size} buckets; none probed by a quorum of ${quorum}`,
    );
  }
  return { uptimeBps: Math.floor((upBuckets * BPS) / observedBuckets), upBuckets, observedBuckets, downOnPaidTraffic };
}

function addTo(map: Map<number, Set<string>>, bucket: number, prober: string): void {
  const set = map.get(bucket);
  if (set) set.add(prober);
  else map.set(bucket, new Set([prober]));
}
