import {
  MemoryUsageReceiptStore,
  type SampleRecord,
  type SignedUsageReceipt,
  samplesRoot,
  type UsageReceipt,
  usageReceiptDigest,
  usageRecordOf,
  usageRecordsRoot,
} from "@slabridge/core";
import { MemorySampleStore } from "@slabridge/store";
import { beforeEach, describe, expect, it } from "vitest";
import { CosignRefusedError } from "../errors.ts";
import { evaluateDueEpochs } from "../evaluator/evaluateDueEpochs.ts";
import type { MeasureWorld } from "../MeasureWorld.ts";
import { FakeHomeChain } from "../testing/FakeHomeChain.ts";
import { type InProcessProbers, inProcessProbers } from "../testing/inProcessProbers.ts";
import { demoTerms, measureConfig, measureManifest } from "../testing/measureFixtures.ts";
import { testProberKeys } from "../testing/testProbers.ts";
import { getVerified, MemoryBlobStore } from "./BlobStore.ts";
import { cosignReport } from "./cosignReport.ts";
import { cosignRequestOf } from "./cosignRequest.ts";
import { decodeEvidenceBundle, encodeEvidenceBundle, evidenceName } from "./evidenceBundle.ts";
import { privateKeyProberKey, recoverSigner } from "./ProberKey.ts";
import { signSampleRecord, slaSampleOf } from "./signedSamples.ts";

const START_MS = 1_050_000; // epoch 5 of genesis 1000 s, 10 s epochs
const END_MS = 1_060_000;
const config = measureConfig();
const probing =
  config.probing ??
  (() => {
    throw new Error("no probing");
  })();

let now: number;
let samples: MemorySampleStore;
let home: FakeHomeChain;
let blobs: MemoryBlobStore;

const gatewayKey = privateKeyProberKey(`0x${"6a".repeat(32)}`);

function setUp(
  down: ReadonlySet<string> = new Set(),
  paid?: MemoryUsageReceiptStore,
): { world: MeasureWorld; probers: InProcessProbers } {
  const gatewaySigners = [gatewayKey.address];
  const probers = inProcessProbers({ probing, samples, clock: { now: () => now }, home, blobs, down, gatewaySigners });
  const world: MeasureWorld = {
    manifest: measureManifest({ models: 1 }),
    config,
    probing,
    samples,
    clock: { now: () => now },
    home,
    escrows: { verdictApplied: async () => false },
    invoker: probers.invoker,
    registry: probers.registry,
    blobs,
    ...(paid === undefined ? {} : { usageReceipts: paid, gatewaySigners }),
  };
  return { world, probers };
}

const record = (vantage: string, second: number, ok: boolean): SampleRecord => ({
  modelId: 1n,
  epoch: 5n,
  vantage,
  roundId: String(START_MS + second * 1_000),
  startedAt: START_MS + second * 1_000 + 3,
  rttMs: 40.2,
  ok,
  outcome: ok ? "ok" : "timeout",
});

/** Every vantage point reaches the host every second of epoch 5, each sample signed by its own key. */
async function healthyEpoch(probers: InProcessProbers): Promise<void> {
  for (let second = 0; second < 10; second++) {
    for (const vantage of ["a", "b", "c"]) {
      const key = probers.proberWorld(vantage).key;
      await samples.record(await signSampleRecord(key, probers.registry.domain, record(vantage, second, true)));
    }
  }
}

beforeEach(() => {
  now = START_MS;
  samples = new MemorySampleStore();
  blobs = new MemoryBlobStore();
  home = new FakeHomeChain({
    chainId: 31_338,
    nowMs: () => now,
    models: new Map([
      [1n, { clock: { genesis: 1_000n, epochSeconds: 10n }, endpoint: "http://127.0.0.1:9", terms: demoTerms }],
    ]),
    oracleSigners: { addresses: testProberKeys().map((k) => k.address), threshold: 2 },
  });
});

describe("independent probers: signed sample sets, published evidence, co-signed reports", () => {
  it("the evaluator holds no prober key: the report reaches the oracle with M co-signatures of probers that recomputed it from the published, signed evidence; forged rows are left out", async () => {
    const { world, probers } = setUp();
    await healthyEpoch(probers);
    // Rows someone with table access wrote: b's "outage" signed by another key, and an unsigned one of c.
    const intruder = privateKeyProberKey(`0x${"42".repeat(32)}`);
    await samples.record({
      ...(await signSampleRecord(intruder, probers.registry.domain, record("b", 11, false))),
      roundId: String(START_MS + 9_500),
    });
    await samples.record({ ...record("c", 0, false), roundId: String(START_MS + 500) });

    now = END_MS + 2_500;
    const [evaluation] = (await evaluateDueEpochs(world, now)).filter((e) => e.epoch === "5");
    expect(evaluation).toMatchObject({ verdict: "submitted", evidence: { rejectedSamples: 2 } });
    expect(evaluation?.report).toMatchObject({ uptimeBps: 10_000, refundBps: 0, sampleCount: 30 });

    // The oracle got the probers' own signatures of this very report, from at least M of the registered keys.
    const cosigned = home.cosignatures.get("1:5") ?? [];
    const recorded = home.verdicts.get("1:5");
    if (!recorded) throw new Error("no verdict recorded");
    const digest = await home.reportDigest(recorded);
    const registered = new Set(probers.registry.probers.values());
    expect(cosigned.length).toBeGreaterThanOrEqual(2);
    for (const { signer, signature } of cosigned) {
      expect(registered.has(signer)).toBe(true);
      expect(recoverSigner(digest, signature)).toBe(signer);
    }

    // Anyone can fetch the evidence by the verdict's name, check its address and recompute the samples root.
    const bundle = evaluation?.evidence?.bundle;
    expect(await blobs.resolve(evidenceName(1n, 5n))).toBe(bundle);
    const bytes = bundle === undefined ? undefined : await getVerified(blobs, bundle);
    const decoded = bytes === undefined ? undefined : decodeEvidenceBundle(bytes);
    expect(decoded?.records).toHaveLength(30);
    expect(samplesRoot(1n, (decoded?.records ?? []).map(slaSampleOf))).toBe(evaluation?.report?.samplesRoot);
  });

  it("a prober refuses to co-sign a report the evidence does not give, or evidence that was altered", async () => {
    const { world, probers } = setUp();
    await healthyEpoch(probers);
    now = END_MS + 2_500;
    const [evaluation] = (await evaluateDueEpochs(world, now)).filter((e) => e.epoch === "5");
    const report = evaluation?.report;
    const bundle = evaluation?.evidence?.bundle;
    if (!report || !bundle) throw new Error("no report");

    const b = probers.proberWorld("b");
    // An evaluator proposing a breach the samples do not show.
    const lie = cosignRequestOf({ ...report, uptimeBps: 7_000, refundBps: 10_000 }, bundle);
    const refused = await cosignReport(b, "b", lie).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CosignRefusedError);
    expect((refused as CosignRefusedError).details).toMatch(/uptimeBps: proposed 7000, recomputed 10000/);

    // A store that serves other bytes at the bundle's address.
    blobs.tamper(bundle, new TextEncoder().encode("{}"));
    await expect(cosignReport(b, "b", cosignRequestOf(report, bundle))).rejects.toThrow(CosignRefusedError);
  });

  it("with fewer than M probers co-signing, nothing is submitted and the evaluation fails with their reasons", async () => {
    const { world, probers } = setUp(new Set(["b", "c"]));
    await healthyEpoch(probers);
    now = END_MS + 2_500;
    const [evaluation] = (await evaluateDueEpochs(world, now)).filter((e) => e.epoch === "5");
    expect(evaluation?.verdict).toBe("failed");
    expect(evaluation?.error).toMatch(/^1 of 2 co-signatures: b: prober b is down; c: prober c is down$/);
    expect(home.submissions).toEqual([]);
  });

  it("takes the gateway's usage receipts as paid traffic's evidence: a host failing its buyers while answering probes is refunded, foreign receipts are left out, and every prober checks them", async () => {
    const paid = new MemoryUsageReceiptStore();
    const { world, probers } = setUp(new Set(), paid);
    await healthyEpoch(probers);
    // Second 4 of the epoch: two buyers' calls failed (not charged) while every probe got through.
    const call = async (payer: number, second: number, served: boolean, key = gatewayKey) => {
      const receipt: UsageReceipt = {
        requestHash: `0x${(payer * 100 + second).toString(16).padStart(64, "0")}`,
        model: "demo",
        modelId: 1n,
        epoch: 5n,
        channelId: `0x${payer.toString(16).padStart(64, "0")}`,
        payer: `0x${payer.toString(16).padStart(64, "0")}`,
        inputTokens: served ? 10n : 0n,
        outputTokens: served ? 20n : 0n,
        served,
        charge: served ? 30n : 0n,
        cumulative: served ? 30n : 0n,
        ttfbMs: served ? 80 : 2_000,
        latencyMs: served ? 90 : 2_000,
        startedAt: BigInt(START_MS + second * 1_000 + 10),
        finishedAt: BigInt(START_MS + second * 1_000 + 100),
      };
      const signed: SignedUsageReceipt = {
        chainId: 31_337,
        receipt,
        signature: await key.signDigest(usageReceiptDigest(31_337, receipt)),
      };
      await paid.record(signed);
      return signed;
    };
    const trusted = [await call(1, 4, false), await call(2, 4, false), await call(1, 6, true)];
    // A receipt someone else signed (a host forging its buyers' success, say) is not evidence.
    await call(3, 4, true, privateKeyProberKey(`0x${"42".repeat(32)}`));

    now = END_MS + 2_500;
    const [evaluation] = (await evaluateDueEpochs(world, now)).filter((e) => e.epoch === "5");
    expect(evaluation).toMatchObject({ verdict: "submitted", evidence: { rejectedSamples: 0, rejectedReceipts: 1 } });
    expect(evaluation?.report).toMatchObject({ uptimeBps: 9_000, refundBps: 2_500, sampleCount: 30, receiptCount: 3 });
    expect(evaluation?.report?.receiptsRoot).toBe(usageRecordsRoot(1n, trusted.map(usageRecordOf)));
    const bundle = evaluation?.evidence?.bundle;
    const bytes = bundle === undefined ? undefined : await getVerified(blobs, bundle);
    expect(bytes === undefined ? undefined : decodeEvidenceBundle(bytes)?.receipts).toHaveLength(3);

    // A bundle carrying a receipt the gateway did not sign: every prober refuses it.
    const report = evaluation?.report;
    if (!report) throw new Error("no report");
    const records = await samples.listEpoch(1n, 5n);
    const forged = { ...(trusted[0] as SignedUsageReceipt) };
    forged.receipt = { ...forged.receipt, served: true };
    const altered = await blobs.put(encodeEvidenceBundle(probers.registry.domain, 1n, 5n, records, [forged]));
    await expect(cosignReport(probers.proberWorld("b"), "b", cosignRequestOf(report, altered))).rejects.toThrow(
      /usage receipts in the bundle are not the gateway's/,
    );
  });
});
