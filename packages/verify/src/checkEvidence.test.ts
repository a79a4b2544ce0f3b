import {
  type Hex,
  keccak256,
  type RecordedVerdict,
  type SampleRecord,
  type SignedUsageReceipt,
  type SlaReport,
  type UsageReceipt,
  usageReceiptDigest,
  type VerdictView,
} from "@slabridge/core";
import { encodeEvidenceBundle, privateKeyProberKey, reportFromSamples, signSampleRecord } from "@slabridge/measuring";
import { demoTerms, FakeHomeChain, measureConfig, testProberKeys, testRegistry } from "@slabridge/measuring/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { checkEvidence, type EvidenceRules } from "./checkEvidence.ts";
import type { VerifyCheck } from "./VerifyCheck.ts";

// A bundle built the way the evaluator builds one (evaluateDueEpochs.test.ts's epoch: genesis 1000 s, 10 s epochs,
// epoch 5, one signed sample per vantage point a, b, c per second), a verdict recorded from it with 2 of the 3
// probers' signatures, then bundles tampered with the ways a dishonest publisher could.

const MODEL = 2n;
const EPOCH = 5n;
const START_MS = 1_050_000;
const probing = measureConfig().probing ?? (undefined as never);
const registry = testRegistry(probing);
const [keyA, keyB, keyC] = testProberKeys();
const gatewayKey = privateKeyProberKey(`0x${"4b".repeat(32)}`);
const strangerKey = privateKeyProberKey(`0x${"5c".repeat(32)}`);
const home = new FakeHomeChain({ chainId: 31_338, nowMs: () => 0, models: new Map() });
const rules: EvidenceRules = {
  quorum: probing.quorum,
  uptimeBucketSeconds: probing.uptimeBucketSeconds,
  receiptSigners: [gatewayKey.address],
};

let records: SampleRecord[];
let receipts: SignedUsageReceipt[];
let report: SlaReport;
let chain: RecordedVerdict;

async function receipt(payer: number, second: number, key = gatewayKey): Promise<SignedUsageReceipt> {
  const body: UsageReceipt = {
    requestHash: `0x${(payer * 100 + second).toString(16).padStart(64, "0")}`,
    model: "demo",
    modelId: MODEL,
    epoch: EPOCH,
    channelId: `0x${payer.toString(16).padStart(64, "0")}`,
    payer: `0x${payer.toString(16).padStart(64, "0")}`,
    inputTokens: 10n,
    outputTokens: 20n,
    served: true,
    charge: 30n,
    cumulative: 30n,
    ttfbMs: 80,
    latencyMs: 90,
    startedAt: BigInt(START_MS + second * 1_000 + 10),
    finishedAt: BigInt(START_MS + second * 1_000 + 100),
  };
  return { chainId: 31_337, receipt: body, signature: await key.signDigest(usageReceiptDigest(31_337, body)) };
}

beforeAll(async () => {
  const keys = { a: keyA, b: keyB, c: keyC };
  records = [];
  for (let second = 0; second < 10; second++) {
    for (const vantage of ["a", "b", "c"] as const) {
      const record: SampleRecord = {
        modelId: MODEL,
        epoch: EPOCH,
        vantage,
        roundId: String(START_MS + second * 1_000),
        startedAt: START_MS + second * 1_000 + 7,
        rttMs: 40 + ((second * 7) % 20) + 0.3,
        ok: true,
        outcome: "ok",
        status: 200,
      };
      const key = keys[vantage];
      if (!key) throw new Error("three test prober keys expected");
      records.push(await signSampleRecord(key, registry.domain, record));
    }
  }
  receipts = [await receipt(1, 2), await receipt(2, 6)];
  report = reportFromSamples({ modelId: MODEL, epoch: EPOCH, terms: demoTerms, records, receipts, registry, probing });
  const reportHash = await home.reportDigest(report);
  const signatures = await Promise.all(
    [keyA, keyC].map(async (key) => ({
      signer: key?.address as Hex,
      signature: await (key ?? gatewayKey).signDigest(reportHash),
    })),
  );
  chain = {
    chainId: registry.domain.chainId,
    oracle: registry.domain.verifier,
    signers: testProberKeys().map((key) => key.address),
    threshold: registry.threshold,
    clock: { genesis: 1_000n, epochSeconds: 10n },
    terms: demoTerms,
    verdict: verdictOf(report, reportHash, signatures),
    reportDigest: (r) => home.reportDigest(r),
  };
});

function verdictOf(r: SlaReport, reportHash: Hex, signatures: VerdictView["signatures"]): VerdictView {
  return {
    refundBps: r.refundBps,
    reportHash,
    samplesRoot: r.samplesRoot,
    recordedAt: 1_061n,
    report: {
      p50Ms: r.p50Ms,
      p95Ms: r.p95Ms,
      p99Ms: r.p99Ms,
      uptimeBps: r.uptimeBps,
      sampleCount: r.sampleCount,
      receiptCount: r.receiptCount,
      receiptsRoot: r.receiptsRoot,
    },
    transaction: { chainId: 31_338, hash: `0x${"cc".repeat(32)}`, blockNumber: 12n },
    signatures,
  };
}

const encode = (rows: readonly SampleRecord[], paid: readonly SignedUsageReceipt[] = receipts) =>
  encodeEvidenceBundle(registry.domain, MODEL, EPOCH, rows, paid);

/** The bundle as JSON, edited by `edit`, re-encoded: what a publisher altering the evidence would publish. */
function edited(edit: (bundle: { samples: Record<string, unknown>[] }) => void): Uint8Array {
  const bundle = JSON.parse(new TextDecoder().decode(encode(records)));
  edit(bundle);
  return new TextEncoder().encode(JSON.stringify(bundle));
}

async function run(bytes: Uint8Array, address: Hex = keccak256(bytes), on: RecordedVerdict = chain) {
  const checks = await checkEvidence({ modelId: MODEL, epoch: EPOCH, address, bytes, rules, chain: on });
  return { checks, failed: checks.filter((c) => c.status === "fail") };
}

const names = (checks: readonly VerifyCheck[]) => checks.map((c) => c.check);

describe("checkEvidence", () => {
  it("passes an intact bundle: hash, binding, every signature, the recomputed report and its signers", async () => {
    const { checks, failed } = await run(encode(records));
    expect(failed).toEqual([]);
    expect(names(checks)).toEqual([
      "bundle hashes to its address",
      "bundle is of this model and epoch",
      "bundle is bound to the home chain's oracle",
      "sample signatures",
      "usage receipt signatures",
      "samples root matches the verdict",
      "sample count matches the verdict",
      "receipts root matches the verdict",
      "receipt count matches the verdict",
      "p50 matches the verdict",
      "p95 matches the verdict",
      "p99 matches the verdict",
      "uptime matches the verdict",
      "refund share from the on-chain terms matches the verdict",
      "report hash (EIP-712) matches the verdict's",
      "verdict signed by a threshold of the oracle's probers",
    ]);
    expect(checks.find((c) => c.check === "sample signatures")?.detail).toBe(
      "30 sample sets from 3 vantage points, each signed by its oracle prober inside the epoch",
    );
    expect(checks.find((c) => c.check.startsWith("verdict signed"))?.detail).toBe("2 of 3 probers, threshold 2");
    expect(checks.find((c) => c.check === "sample count matches the verdict")?.detail).toBe("30");
  });

  it("fails a bundle with one sample's latency raised: samples root, a percentile and that sample's signature", async () => {
    // The fastest sample (41 ms) made slow: it moves from below the median to the top, so p50 moves up one rank.
    const target = records[0] as SampleRecord;
    const bytes = edited((bundle) => {
      const sample = bundle.samples.find((s) => s.vantage === target.vantage && s.roundId === target.roundId);
      if (!sample) throw new Error("sample not found");
      sample.rttMs = 1_900;
    });
    const { failed } = await run(bytes);
    const byName = new Map(failed.map((c) => [c.check, c]));
    expect(byName.get("samples root matches the verdict")).toMatchObject({ expected: report.samplesRoot });
    expect(byName.get("samples root matches the verdict")?.actual).not.toBe(report.samplesRoot);
    expect(byName.get("p50 matches the verdict")).toMatchObject({ expected: "48 ms", actual: "49 ms" });
    expect(report.p50Ms).toBe(48);
    expect(byName.get(`sample ${target.vantage}/${target.roundId} signature`)).toMatchObject({
      expected: `signed by the oracle's prober for ${target.vantage} (${registry.probers.get(target.vantage)})`,
    });
    expect(byName.has("report hash (EIP-712) matches the verdict's")).toBe(true);
    // Nothing else is blamed: the count, uptime, receipts and the verdict's signers still hold.
    for (const untouched of [
      "bundle hashes to its address",
      "sample count matches the verdict",
      "uptime matches the verdict",
      "receipts root matches the verdict",
      "verdict signed by a threshold of the oracle's probers",
    ]) {
      expect(byName.has(untouched)).toBe(false);
    }
  });

  it("fails a bundle with a sample dropped: samples root and sample count, every remaining signature good", async () => {
    const { checks, failed } = await run(encode(records.filter((_, i) => i !== 4)));
    expect(names(failed)).toEqual(
      expect.arrayContaining(["samples root matches the verdict", "sample count matches the verdict"]),
    );
    expect(failed.find((c) => c.check === "sample count matches the verdict")).toMatchObject({
      expected: "30",
      actual: "29",
    });
    expect(checks.find((c) => c.check === "sample signatures")?.status).toBe("pass");
  });

  it("fails a bundle with a forged signature by naming that sample and its signer, nothing else", async () => {
    const forged = records.map((r, i) => (i === 7 ? { ...r } : r));
    const victim = forged[7] as SampleRecord;
    const signedByStranger = await signSampleRecord(strangerKey, registry.domain, victim);
    forged[7] = signedByStranger;
    const { failed } = await run(encode(forged));
    expect(failed).toEqual([
      {
        check: `sample ${victim.vantage}/${victim.roundId} signature`,
        status: "fail",
        expected: `signed by the oracle's prober for ${victim.vantage} (${registry.probers.get(victim.vantage)})`,
        actual: `signed by ${strangerKey.address}`,
      },
    ]);
  });

  it("fails bytes that do not hash to the published address (a store that altered them)", async () => {
    const honest = encode(records);
    const address = keccak256(honest);
    const altered = edited((bundle) => {
      (bundle.samples[0] as Record<string, unknown>).ok = false;
    });
    const { failed } = await run(altered, address);
    expect(failed[0]).toEqual({
      check: "bundle hashes to its address",
      status: "fail",
      expected: address,
      actual: keccak256(altered),
    });
  });

  it("fails bytes that are not a bundle after the hash check, and stops there", async () => {
    const bytes = new TextEncoder().encode('{"version":2}');
    const { checks } = await run(bytes);
    expect(checks.map((c) => [c.check, c.status])).toEqual([
      ["bundle hashes to its address", "pass"],
      ["bundle decodes", "fail"],
    ]);
  });

  it("fails a usage receipt not signed by the gateway, naming it", async () => {
    const foreign = await receipt(3, 8, strangerKey);
    const { failed } = await run(encode(records, [...receipts, foreign]));
    expect(failed[0]).toMatchObject({
      check: `usage receipt ${foreign.receipt.requestHash} signature`,
      actual: `signed by ${strangerKey.address}`,
    });
    expect(names(failed)).toEqual(
      expect.arrayContaining(["receipts root matches the verdict", "receipt count matches the verdict"]),
    );
  });

  it("fails a bundle bound to another oracle, and a verdict below the threshold or signed by a stranger", async () => {
    const other = await run(encode(records), undefined, {
      ...chain,
      oracle: "0x00000000000000000000000000000000000000aa",
    });
    expect(other.failed[0]).toMatchObject({
      check: "bundle is bound to the home chain's oracle",
      expected: "31338/0x00000000000000000000000000000000000000aa",
    });
    const hash = chain.verdict.reportHash;
    const one = [{ signer: keyA?.address as Hex, signature: await (keyA ?? gatewayKey).signDigest(hash) }];
    const lone = await run(encode(records), undefined, { ...chain, verdict: { ...chain.verdict, signatures: one } });
    expect(lone.failed).toEqual([
      expect.objectContaining({
        check: "verdict signed by a threshold of the oracle's probers",
        expected: "at least 2 probers",
        actual: "1 of 3 probers, threshold 2",
      }),
    ]);
    const stranger = [...one, { signer: strangerKey.address, signature: await strangerKey.signDigest(hash) }];
    const mixed = await run(encode(records), undefined, {
      ...chain,
      verdict: { ...chain.verdict, signatures: stranger },
    });
    expect(mixed.failed[0]).toMatchObject({ actual: `signatures by ${strangerKey.address}` });
  });

  it("fails a verdict whose recorded refund share is not what the on-chain terms give for the evidence", async () => {
    const { failed } = await run(encode(records), undefined, {
      ...chain,
      verdict: { ...chain.verdict, refundBps: 2_500 },
    });
    expect(failed).toEqual([
      {
        check: "refund share from the on-chain terms matches the verdict",
        status: "fail",
        expected: "2500 bps",
        actual: `${report.refundBps} bps`,
      },
    ]);
  });
});
