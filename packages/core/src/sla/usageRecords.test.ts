import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesToHex } from "../hex/hex.ts";
import { keccak256 } from "../hex/keccak256.ts";
import { ZERO_BYTES32 } from "../merkle/paymentsMerkle.ts";
import { InvalidSlaInputError } from "./errors.ts";
import { evaluateEpoch } from "./evaluateEpoch.ts";
import type { ProbeSample, SlaTerms } from "./types.ts";
import { uptimeByBuckets } from "./uptimeByBuckets.ts";
import { type UsageRecord, usageRecordLeaf, usageRecordsRoot } from "./usageRecords.ts";

const P = ["p1", "p2", "p3"] as const;
const UPTIME = { bucketMs: 1_000, probers: P, quorum: 2, probeTimeoutMs: 2_000 } as const;
const probe = (prober: string, atMs: number, ok = true): ProbeSample => ({
  prober,
  round: Math.floor(atMs / 1_000) * 1_000,
  atMs,
  latencyMs: 100,
  ok,
});
const payer = (n: number) => `0x${n.toString(16).padStart(64, "0")}` as const;
const call = (who: number, startedAt: number, served = true, extra: Partial<UsageRecord> = {}): UsageRecord => ({
  chainId: 31_337,
  payer: payer(who),
  requestHash: keccak256(new TextEncoder().encode(`${who}:${startedAt}`)),
  startedAt,
  ttfbMs: served ? 90 : 2_000,
  latencyMs: served ? 120 : 2_000,
  served,
  charge: served ? 1_000n : 0n,
  ...extra,
});
const probesUp = (bucket: number) => [probe("p1", bucket * 1_000), probe("p2", bucket * 1_000 + 1)];

describe("uptimeByBuckets with paid calls", () => {
  it("counts a bucket down when a quorum of payers only failed and they outnumber those served, whatever the probes say", () => {
    const samples = [...probesUp(0), ...probesUp(1)];
    // bucket 0: payers 1, 2 failed, payer 3 served -> down on paid traffic; bucket 1: all served -> up
    const paidCalls = [call(1, 10, false), call(2, 20, false), call(3, 30), call(1, 1_010), call(2, 1_020)];
    expect(uptimeByBuckets(samples, { ...UPTIME, paidCalls })).toEqual({
      uptimeBps: 5_000,
      upBuckets: 1,
      observedBuckets: 2,
      downOnPaidTraffic: 1,
    });
  });

  it("does not let one payer turn a bucket down, however many of its calls fail", () => {
    const paidCalls = Array.from({ length: 50 }, (_, i) => call(7, i, false));
    expect(uptimeByBuckets(probesUp(0), { ...UPTIME, paidCalls }).uptimeBps).toBe(10_000);
  });

  it("counts a payer served once in a bucket as served (one success is enough, as for a prober)", () => {
    const paidCalls = [call(1, 10, false), call(1, 20), call(2, 30, false), call(2, 40)];
    expect(uptimeByBuckets(probesUp(0), { ...UPTIME, paidCalls }).downOnPaidTraffic).toBe(0);
  });

  it("does not count a bucket down when as many payers were served as failed", () => {
    const paidCalls = [call(1, 10, false), call(2, 20, false), call(3, 30), call(4, 40)];
    expect(uptimeByBuckets(probesUp(0), { ...UPTIME, paidCalls }).uptimeBps).toBe(10_000);
  });

  it("fills the probers' gap with paid traffic seen by a quorum of payers", () => {
    // bucket 1: one prober only (the probers' gap); payers 1 and 2 were served -> observed and up
    // bucket 2: no probes; payers 1 and 2 only failed -> observed and down
    const samples = [...probesUp(0), probe("p1", 1_000)];
    const paidCalls = [call(1, 1_100), call(2, 1_200), call(1, 2_100, false), call(2, 2_200, false)];
    expect(uptimeByBuckets(samples, { ...UPTIME, paidCalls })).toEqual({
      uptimeBps: 6_666,
      upBuckets: 2,
      observedBuckets: 3,
      downOnPaidTraffic: 1,
    });
  });

  it("keeps a bucket the probes saw down down, and does not count it as paid traffic's finding", () => {
    const samples = [probe("p1", 0, false), probe("p2", 1, false)];
    const paidCalls = [call(1, 10, false), call(2, 20, false)];
    expect(uptimeByBuckets(samples, { ...UPTIME, paidCalls })).toMatchObject({ uptimeBps: 0, downOnPaidTraffic: 0 });
  });
});

describe("usageRecordsRoot", () => {
  it("is bytes32(0) for none and the leaf for one", () => {
    expect(usageRecordsRoot(1n, [])).toBe(ZERO_BYTES32);
    expect(usageRecordsRoot(1n, [call(1, 0)])).toBe(usageRecordLeaf(1n, call(1, 0)));
  });

  it("does not depend on order, and changes with any field or the model", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 20 }), fc.nat(10_000), fc.boolean()), {
          minLength: 2,
          maxLength: 30,
        }),
        (rows) => {
          const records = rows.map(([who, at, served]) => call(who, at, served));
          const root = usageRecordsRoot(3n, records);
          expect(usageRecordsRoot(3n, [...records].reverse())).toBe(root);
          expect(usageRecordsRoot(4n, records)).not.toBe(root);
          const first = records[0] as UsageRecord;
          const tampered = [{ ...first, latencyMs: first.latencyMs + 1 }, ...records.slice(1)];
          expect(usageRecordsRoot(3n, tampered)).not.toBe(root);
        },
      ),
    );
  });

  it("matches the leaf encoding written in its doc (abi.encode of the fields, hashed twice)", () => {
    const record = call(9, 1_700_000_000_000);
    const word = (v: bigint) => v.toString(16).padStart(64, "0");
    const encoded = `0x${word(5n)}${word(31_337n)}${record.payer.slice(2)}${record.requestHash.slice(2)}${word(
      1_700_000_000_000n,
    )}${word(90n)}${word(120n)}${word(1n)}${word(1_000n)}` as const;
    expect(usageRecordLeaf(5n, record)).toBe(keccak256(keccak256(encoded)));
  });

  it("rejects a payer or request hash that is not lowercase 32-byte hex, and out-of-range figures", () => {
    expect(() => usageRecordLeaf(1n, { ...call(1, 0), payer: `0x${"AB".repeat(32)}` })).toThrow(InvalidSlaInputError);
    expect(() => usageRecordLeaf(1n, { ...call(1, 0), requestHash: bytesToHex(new Uint8Array(31)) })).toThrow(
      InvalidSlaInputError,
    );
    expect(() => usageRecordLeaf(1n, { ...call(1, 0), latencyMs: 2 ** 32 })).toThrow(InvalidSlaInputError);
    expect(() => usageRecordLeaf(1n, { ...call(1, 0), charge: -1n })).toThrow(InvalidSlaInputError);
  });
});

describe("evaluateEpoch with paid calls", () => {
  const terms: SlaTerms = {
    maxP95LatencyMs: 500,
    minUptimeBps: 9_900,
    probeTimeoutMs: 2_000,
    latencyBreachRefundBps: 2_500,
    tiers: [{ uptimeBelowBps: 9_900, refundBps: 1_000 }],
  };
  const input = { modelId: 1n, epoch: 0n, terms, probers: P, quorum: 2, bucketMs: 1_000 } as const;

  it("refunds a host that answers every probe but fails its buyers, and commits to the records", () => {
    const samples = [...probesUp(0), ...probesUp(1)];
    const paidCalls = [call(1, 1_010, false), call(2, 1_020, false)];
    const probesOnly = evaluateEpoch({ ...input, samples });
    const withTraffic = evaluateEpoch({ ...input, samples, paidCalls });
    expect(probesOnly).toMatchObject({ uptimeBps: 10_000, refundBps: 0, receiptCount: 0, receiptsRoot: ZERO_BYTES32 });
    expect(withTraffic).toMatchObject({ uptimeBps: 5_000, refundBps: 1_000, receiptCount: 2 });
    expect(withTraffic.receiptsRoot).toBe(usageRecordsRoot(1n, paidCalls));
    // Latency stays the probes' (the buyers' prompts are theirs).
    expect(withTraffic.p95Ms).toBe(probesOnly.p95Ms);
  });
});
