import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hashPair, ZERO_BYTES32 } from "../merkle/paymentsMerkle.ts";
import {
  evaluateEpoch,
  InsufficientObservationsError,
  InvalidSlaInputError,
  LatencySketch,
  type ProbeSample,
  pickRefundBps,
  type SlaTerms,
  sampleLeaf,
  sampleSetDigest,
  samplesRoot,
  uptimeByBuckets,
} from "./index.ts";

// The demo models' terms (packages/devnet mintDemoModel), restated so core stays free of devnet.
const TERMS: SlaTerms = {
  maxP95LatencyMs: 500,
  minUptimeBps: 9_900,
  probeTimeoutMs: 2_000,
  latencyBreachRefundBps: 2_500,
  tiers: [
    { uptimeBelowBps: 9_900, refundBps: 1_000 },
    { uptimeBelowBps: 9_500, refundBps: 2_500 },
    { uptimeBelowBps: 7_500, refundBps: 10_000 },
  ],
};

const exactQuantile = (values: readonly number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(q * (sorted.length - 1))] as number;
};
const sketchOf = (values: readonly number[]): LatencySketch => {
  const s = new LatencySketch();
  for (const v of values) s.add(v);
  return s;
};
const latencies = fc.array(fc.double({ min: 0.5, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 400 });
const QS = [0, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 1];

describe("LatencySketch", () => {
  it("answers every quantile within 1% of the exact (lower) quantile", () => {
    fc.assert(
      fc.property(latencies, fc.double({ min: 0, max: 1, noNaN: true }), (values, q) => {
        const exact = exactQuantile(values, q);
        const got = sketchOf(values).quantile(q);
        expect(Math.abs(got - exact)).toBeLessThanOrEqual(exact * 0.01 + 1e-9);
      }),
      { numRuns: 300 },
    );
  });

  it("merging two sketches answers like a sketch of the union", () => {
    fc.assert(
      fc.property(latencies, latencies, (a, b) => {
        const merged = sketchOf(a);
        const other = sketchOf(b);
        merged.merge(other);
        const union = sketchOf([...a, ...b]);
        expect(merged.count).toBe(a.length + b.length);
        for (const q of QS) expect(merged.quantile(q)).toBe(union.quantile(q));
        expect(other.count).toBe(b.length); // other unchanged
      }),
      { numRuns: 150 },
    );
  });

  it("merges into an empty sketch without sharing state with the source", () => {
    const empty = new LatencySketch();
    const source = sketchOf([10, 20, 30]);
    empty.merge(source);
    empty.add(1_000);
    expect(source.count).toBe(3);
    expect(source.quantile(1)).toBeCloseTo(30, -1);
  });

  it("round-trips through serialize/deserialize with the same answers", () => {
    fc.assert(
      fc.property(latencies, (values) => {
        const s = sketchOf(values);
        const back = LatencySketch.deserialize(s.serialize());
        expect(back.count).toBe(s.count);
        for (const q of QS) expect(back.quantile(q)).toBe(s.quantile(q));
      }),
      { numRuns: 100 },
    );
  });

  it("counts zero latencies and rejects negative ones, bad quantiles and garbage bytes", () => {
    const s = sketchOf([0, 0, 100]);
    expect(s.quantile(0)).toBe(0);
    expect(() => s.add(-1)).toThrow(InvalidSlaInputError);
    expect(() => s.add(Number.NaN)).toThrow(InvalidSlaInputError);
    expect(() => s.quantile(1.5)).toThrow(InvalidSlaInputError);
    expect(new LatencySketch().quantile(0.5)).toBeNaN();
    expect(() => LatencySketch.deserialize(new Uint8Array([0xff, 0xff, 0xff]))).toThrow(InvalidSlaInputError);
    const wrongAccuracy = new TextEncoder().encode(
      JSON.stringify({ v: 1, relativeAccuracy: 0.02, zeroCount: 0, bins: [] }),
    );
    expect(() => LatencySketch.deserialize(wrongAccuracy)).toThrow(InvalidSlaInputError);
    const negativeCount = new TextEncoder().encode(
      JSON.stringify({ v: 1, relativeAccuracy: 0.01, zeroCount: 0, bins: [[3, -1]] }),
    );
    expect(() => LatencySketch.deserialize(negativeCount)).toThrow(InvalidSlaInputError);
  });
});

/** Brute force: the set of every refund that applies, then its maximum (0 when none does). */
function referenceRefund(t: SlaTerms, uptimeBps: number, p95Ms: number): number {
  const applicable = [0];
  for (const tier of t.tiers) if (uptimeBps < tier.uptimeBelowBps) applicable.push(tier.refundBps);
  if (p95Ms > t.maxP95LatencyMs) applicable.push(t.latencyBreachRefundBps);
  return Math.max(...applicable);
}

const bps = fc.integer({ min: 0, max: 10_000 });
const anyTerms: fc.Arbitrary<SlaTerms> = fc.record({
  maxP95LatencyMs: fc.integer({ min: 0, max: 5_000 }),
  minUptimeBps: bps,
  probeTimeoutMs: fc.integer({ min: 0, max: 10_000 }),
  latencyBreachRefundBps: bps,
  // Unvalidated on purpose: any order, duplicates, refunds going down; the chain takes the max anyway.
  tiers: fc.array(fc.record({ uptimeBelowBps: bps, refundBps: bps }), { maxLength: 6 }),
});

describe("pickRefundBps mirrors SlaTiers.refundBps", () => {
  it("equals the brute-force reference for any terms and measurements", () => {
    fc.assert(
      fc.property(anyTerms, fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 6_000 }), (t, u, p) => {
        expect(pickRefundBps(t, { uptimeBps: u, p95Ms: p })).toBe(referenceRefund(t, u, p));
      }),
      { numRuns: 2_000 },
    );
  });

  it("applies strict comparisons at the thresholds, like the contract", () => {
    expect(pickRefundBps(TERMS, { uptimeBps: 9_900, p95Ms: 500 })).toBe(0); // at threshold / at max: met
    expect(pickRefundBps(TERMS, { uptimeBps: 9_899, p95Ms: 500 })).toBe(1_000);
    expect(pickRefundBps(TERMS, { uptimeBps: 9_500, p95Ms: 500 })).toBe(1_000);
    expect(pickRefundBps(TERMS, { uptimeBps: 9_499, p95Ms: 500 })).toBe(2_500);
    expect(pickRefundBps(TERMS, { uptimeBps: 7_499, p95Ms: 500 })).toBe(10_000);
    expect(pickRefundBps(TERMS, { uptimeBps: 9_900, p95Ms: 501 })).toBe(2_500); // latency breach
    expect(pickRefundBps(TERMS, { uptimeBps: 9_899, p95Ms: 501 })).toBe(2_500); // max(tier, latency)
    expect(pickRefundBps(TERMS, { uptimeBps: 0, p95Ms: 0xffff_ffff })).toBe(10_000);
    expect(pickRefundBps({ ...TERMS, tiers: [] }, { uptimeBps: 0, p95Ms: 0 })).toBe(0);
    // Unvalidated order: the max wins, not the last match.
    const reversed = { ...TERMS, tiers: [...TERMS.tiers].reverse() };
    expect(pickRefundBps(reversed, { uptimeBps: 7_000, p95Ms: 0 })).toBe(10_000);
  });

  it("rejects figures outside the Solidity types", () => {
    expect(() => pickRefundBps(TERMS, { uptimeBps: 0x1_0000, p95Ms: 0 })).toThrow(InvalidSlaInputError);
    expect(() => pickRefundBps(TERMS, { uptimeBps: 1.5, p95Ms: 0 })).toThrow(InvalidSlaInputError);
    expect(() => pickRefundBps(TERMS, { uptimeBps: 0, p95Ms: -1 })).toThrow(InvalidSlaInputError);
  });
});

const P = ["p1", "p2", "p3"] as const;
const probe = (prober: string, atMs: number, ok = true, latencyMs = 100): ProbeSample => ({
  prober,
  round: Math.floor(atMs / 1_000) * 1_000,
  atMs,
  latencyMs,
  ok,
});
const UPTIME = { bucketMs: 1_000, probers: P, quorum: 2, probeTimeoutMs: 2_000 } as const;

describe("uptimeByBuckets", () => {
  it("counts a bucket up when a quorum of probers reached the host in it", () => {
    const samples = [
      // bucket 0: 3 reached -> up
      probe("p1", 0),
      probe("p2", 10),
      probe("p3", 20),
      // bucket 1: 2 reached, 1 failed -> up
      probe("p1", 1_000),
      probe("p2", 1_001),
      probe("p3", 1_002, false),
      // bucket 2: 1 reached, 2 failed -> down
      probe("p1", 2_000),
      probe("p2", 2_001, false),
      probe("p3", 2_002, false),
      // bucket 3: one prober reached twice -> still one prober -> down
      probe("p1", 3_000),
      probe("p1", 3_500),
      probe("p2", 3_600, false),
    ];
    expect(uptimeByBuckets(samples, UPTIME)).toEqual({
      uptimeBps: 5_000,
      upBuckets: 2,
      observedBuckets: 4,
      downOnPaidTraffic: 0,
    });
  });

  it("counts an answer slower than the timeout as not reached", () => {
    const samples = [probe("p1", 0, true, 2_001), probe("p2", 0, true, 2_000)];
    expect(uptimeByBuckets(samples, UPTIME).uptimeBps).toBe(0);
    expect(uptimeByBuckets(samples, { ...UPTIME, quorum: 1 }).uptimeBps).toBe(10_000);
  });

  it("ignores buckets fewer than quorum probers observed (a prober outage is not a host outage)", () => {
    const samples = [probe("p1", 0), probe("p2", 0), probe("p1", 1_000, false)];
    expect(uptimeByBuckets(samples, UPTIME)).toEqual({
      uptimeBps: 10_000,
      upBuckets: 1,
      observedBuckets: 1,
      downOnPaidTraffic: 0,
    });
    expect(() => uptimeByBuckets([probe("p1", 0)], UPTIME)).toThrow(InsufficientObservationsError);
  });

  it("rounds down and rejects unknown probers and bad options", () => {
    const samples = [0, 1, 2].flatMap((b) => [probe("p1", b * 1_000, b !== 2), probe("p2", b * 1_000)]);
    expect(uptimeByBuckets(samples, UPTIME).uptimeBps).toBe(6_666);
    expect(() => uptimeByBuckets([probe("x", 0)], UPTIME)).toThrow(InvalidSlaInputError);
    expect(() => uptimeByBuckets(samples, { ...UPTIME, quorum: 4 })).toThrow(InvalidSlaInputError);
    expect(() => uptimeByBuckets(samples, { ...UPTIME, quorum: 0 })).toThrow(InvalidSlaInputError);
    expect(() => uptimeByBuckets(samples, { ...UPTIME, bucketMs: 0 })).toThrow(InvalidSlaInputError);
  });
});

const sampleArb = fc.record({
  prober: fc.constantFrom(...P),
  round: fc.integer({ min: 0, max: 10 }).map((n) => n * 1_000),
  atMs: fc.integer({ min: 0, max: 10_000 }),
  latencyMs: fc.integer({ min: 0, max: 3_000 }),
  ok: fc.boolean(),
});

describe("samplesRoot", () => {
  it("does not depend on sample order; one sample is its leaf; none is bytes32(0)", () => {
    fc.assert(
      fc.property(fc.array(sampleArb, { minLength: 1, maxLength: 40 }), fc.integer(), (samples, seed) => {
        const shuffled = [...samples].sort(() => (seed % 2 === 0 ? 1 : -1));
        expect(samplesRoot(1n, shuffled)).toBe(samplesRoot(1n, samples));
      }),
    );
    const one = probe("p1", 5);
    expect(samplesRoot(1n, [one])).toBe(sampleLeaf(1n, one));
    expect(samplesRoot(1n, [])).toBe(ZERO_BYTES32);
  });

  it("builds sorted-pair levels over canonically ordered leaves, and commits to every field", () => {
    const [a, b, c] = [probe("p1", 0), probe("p2", 0), probe("p1", 1)];
    expect(samplesRoot(1n, [c, b, a])).toBe(
      hashPair(hashPair(sampleLeaf(1n, a), sampleLeaf(1n, b)), sampleLeaf(1n, c)),
    );
    expect(sampleLeaf(1n, probe("p1", 0, false))).not.toBe(sampleLeaf(1n, a));
    expect(sampleLeaf(1n, probe("p1", 0, true, 101))).not.toBe(sampleLeaf(1n, a));
    expect(() => sampleLeaf(1n, probe("p1", 0, true, 2 ** 32))).toThrow(InvalidSlaInputError);
  });

  it("commits to the model and the round, so a sample cannot be replayed into another model's or round's evidence", () => {
    const a = probe("p1", 1_500);
    expect(sampleLeaf(2n, a)).not.toBe(sampleLeaf(1n, a));
    expect(sampleLeaf(1n, { ...a, round: 2_000 })).not.toBe(sampleLeaf(1n, a));
    expect(samplesRoot(2n, [a])).not.toBe(samplesRoot(1n, [a]));
  });
});

describe("sampleSetDigest", () => {
  const domain = { chainId: 31_338, verifier: `0x${"0a".repeat(20)}` } as const;
  const claim = {
    modelId: 2n,
    epoch: 7n,
    round: 1_000,
    vantage: "local-1",
    samplesRoot: `0x${"11".repeat(32)}`,
  } as const;

  it("binds the domain and every field of the claim", () => {
    const base = sampleSetDigest(domain, claim);
    expect(base).toMatch(/^0x[0-9a-f]{64}$/);
    expect(sampleSetDigest(domain, { ...claim })).toBe(base);
    for (const changed of [
      sampleSetDigest({ ...domain, chainId: 31_337 }, claim),
      sampleSetDigest({ ...domain, verifier: `0x${"0b".repeat(20)}` }, claim),
      sampleSetDigest(domain, { ...claim, modelId: 3n }),
      sampleSetDigest(domain, { ...claim, epoch: 8n }),
      sampleSetDigest(domain, { ...claim, round: 2_000 }),
      sampleSetDigest(domain, { ...claim, vantage: "local-2" }),
      sampleSetDigest(domain, { ...claim, samplesRoot: `0x${"12".repeat(32)}` }),
    ]) {
      expect(changed).not.toBe(base);
    }
  });

  it("refuses malformed input", () => {
    expect(() => sampleSetDigest({ ...domain, verifier: "0x1234" }, claim)).toThrow(InvalidSlaInputError);
    expect(() => sampleSetDigest(domain, { ...claim, round: -1 })).toThrow(InvalidSlaInputError);
    expect(() => sampleSetDigest(domain, { ...claim, samplesRoot: "0x12" })).toThrow(InvalidSlaInputError);
  });
});

describe("evaluateEpoch", () => {
  const input = (samples: ProbeSample[]) => ({
    modelId: 1n,
    epoch: 7n,
    terms: TERMS,
    samples,
    probers: P,
    quorum: 2,
    bucketMs: 1_000,
  });

  it("reports a healthy epoch with no refund", () => {
    const samples = Array.from({ length: 100 }, (_, i) => probe(P[i % 3] as string, i * 100, true, 100 + (i % 50)));
    const report = evaluateEpoch(input(samples));
    expect(report).toMatchObject({ modelId: 1n, epoch: 7n, uptimeBps: 10_000, sampleCount: 100, refundBps: 0 });
    expect(report.p50Ms).toBeGreaterThanOrEqual(122);
    expect(report.p50Ms).toBeLessThanOrEqual(127);
    expect(report.p99Ms).toBeLessThanOrEqual(150);
    expect(report.samplesRoot).toBe(samplesRoot(1n, samples));
  });

  it("counts failed probes at the timeout, so p95 breaches and the refund follows the terms", () => {
    // 10% failures spread over every bucket: uptime stays 100% (quorum still reached), p95 is the timeout.
    const samples = Array.from({ length: 300 }, (_, i) => probe(P[i % 3] as string, i * 10, i % 10 !== 0, 100));
    const report = evaluateEpoch(input(samples));
    expect(report.uptimeBps).toBe(10_000);
    expect(Math.abs(report.p95Ms - 2_000)).toBeLessThanOrEqual(20);
    expect(report.refundBps).toBe(2_500);
    expect(report.refundBps).toBe(pickRefundBps(TERMS, report));
  });

  it("keeps p50 <= p95 <= p99 and agrees with pickRefundBps on random samples", () => {
    fc.assert(
      fc.property(fc.array(sampleArb, { minLength: 1, maxLength: 200 }), (samples) => {
        const all = [...samples, probe("p1", 0), probe("p2", 0)]; // at least one observed bucket
        const r = evaluateEpoch(input(all));
        expect(r.p50Ms).toBeLessThanOrEqual(r.p95Ms);
        expect(r.p95Ms).toBeLessThanOrEqual(r.p99Ms);
        expect(r.refundBps).toBe(pickRefundBps(TERMS, r));
        expect(r.sampleCount).toBe(all.length);
      }),
      { numRuns: 100 },
    );
  });

  it("refuses an epoch without samples", () => {
    expect(() => evaluateEpoch(input([]))).toThrow(InsufficientObservationsError);
  });
});
