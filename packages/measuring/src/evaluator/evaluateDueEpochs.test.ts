import {
  type ProbeSample,
  type SampleRecord,
  type SlaReport,
  SOLANA_CHAIN_ID,
  type StageConfig,
  samplesRoot,
} from "@slabridge/core";
import { MemorySampleStore } from "@slabridge/store";
import { beforeEach, describe, expect, it } from "vitest";
import { signSampleRecord } from "../attest/signedSamples.ts";
import type { MeasureWorld } from "../MeasureWorld.ts";
import { FakeHomeChain } from "../testing/FakeHomeChain.ts";
import { type InProcessProbers, inProcessProbers } from "../testing/inProcessProbers.ts";
import { demoTerms, measureConfig, measureManifest } from "../testing/measureFixtures.ts";
import { testProberKeys } from "../testing/testProbers.ts";
import { evaluateDueEpochs } from "./evaluateDueEpochs.ts";

const EPOCH = 5n;
const START_MS = 1_050_000; // genesis 1000 s + 5 * 10 s
const END_MS = 1_060_000;
const VANTAGES = ["a", "b", "c"] as const;

let now: number;
let samples: MemorySampleStore;
let home: FakeHomeChain;
let applied: Set<string>;
let probers: InProcessProbers;

function world(config: StageConfig = measureConfig()): MeasureWorld {
  const probing = config.probing;
  if (!probing) throw new Error("no probing");
  return {
    manifest: measureManifest({ models: 3 }),
    config,
    probing,
    samples,
    clock: { now: () => now },
    home,
    escrows: {
      async verdictApplied(chainId, modelId, epoch) {
        if (chainId === SOLANA_CHAIN_ID) return undefined;
        return applied.has(`${chainId}:${modelId}:${epoch}`);
      },
    },
    invoker: probers.invoker,
    registry: probers.registry,
    blobs: probers.blobs,
  };
}

/** One sample per vantage point per second of epoch 5; `shape` decides latency and outcome. */
async function recordEpoch(
  modelId: bigint,
  shape: (second: number, vantage: string) => { rttMs: number; ok: boolean },
): Promise<ProbeSample[]> {
  const expected: ProbeSample[] = [];
  for (let second = 0; second < 10; second++) {
    for (const vantage of VANTAGES) {
      const { rttMs, ok } = shape(second, vantage);
      const record: SampleRecord = {
        modelId,
        epoch: EPOCH,
        vantage,
        roundId: String(START_MS + second * 1_000),
        startedAt: START_MS + second * 1_000 + 7,
        rttMs,
        ok,
        outcome: ok ? "ok" : "http-error",
        ...(ok ? { status: 200 } : { status: 503 }),
      };
      await samples.record(await signSampleRecord(probers.proberWorld(vantage).key, probers.registry.domain, record));
      expected.push({
        prober: vantage,
        round: Number(record.roundId),
        atMs: record.startedAt,
        latencyMs: Math.ceil(rttMs),
        ok,
      });
    }
  }
  return expected;
}

beforeEach(() => {
  now = 0;
  samples = new MemorySampleStore();
  applied = new Set();
  const model = (n: number) => ({
    clock: { genesis: 1_000n, epochSeconds: 10n },
    endpoint: `http://127.0.0.1:${8_000 + n}`,
    terms: demoTerms,
  });
  home = new FakeHomeChain({
    chainId: 31_338,
    nowMs: () => now,
    models: new Map([
      [1n, model(1)],
      [2n, model(2)],
      [3n, model(3)],
    ]),
    oracleSigners: { addresses: testProberKeys().map((k) => k.address), threshold: 2 },
  });
  const probing = measureConfig().probing;
  if (!probing) throw new Error("no probing");
  probers = inProcessProbers({ probing, samples, clock: { now: () => now }, home });
});

describe("evaluateDueEpochs", () => {
  it("two overlapping passes publish each verdict once per chain: the one that lost the race hears 'already-published'", async () => {
    await recordEpoch(1n, () => ({ rttMs: 40, ok: true }));
    await recordEpoch(2n, (s) => ({ rttMs: s === 3 || s === 7 ? 900.4 : 50, ok: true }));
    now = END_MS + 2_500;
    // Both passes check before either sends (an EventBridge retry, or a pass outlasting its period): the oracle
    // refuses the second message over the same messenger.
    const passes = await Promise.all([evaluateDueEpochs(world(), now), evaluateDueEpochs(world(), now)]);
    const outcomes = passes
      .flat()
      .filter((e) => e.epoch === "5")
      .flatMap((e) => e.published.map((p) => p.result));
    expect(outcomes.filter((r) => r === "published")).toHaveLength(4);
    expect(outcomes.filter((r) => r !== "published")).toEqual(Array(4).fill("already-published"));
    expect(home.published).toHaveLength(4);
  });

  it("evaluates ended epochs once past the grace, submits each verdict once and publishes it to every payment chain", async () => {
    const healthy = await recordEpoch(1n, (s) => ({ rttMs: 40 + ((s * 7) % 20) + 0.3, ok: true }));
    const slow = await recordEpoch(2n, (s) => ({ rttMs: s === 3 || s === 7 ? 900.4 : 50, ok: true }));
    // Buckets 0-2: only vantage a reaches the host (below the quorum of 2): 7 of 10 buckets up.
    await recordEpoch(3n, (s, v) => ({ rttMs: 45, ok: s > 2 || v === "a" }));
    // Not part of the report: a probe that started after the epoch ended, and an unknown vantage point.
    await samples.record({ ...sampleOf(1n), startedAt: END_MS + 10, roundId: "1060000" });
    await samples.record({ ...sampleOf(1n), vantage: "z" });

    now = END_MS + 1_000; // over, but within the 2 s grace: epochs 3 and 4 have no samples, 5 waits
    const early = await evaluateDueEpochs(world(), now);
    expect(early.map((e) => `${e.modelId}:${e.epoch}:${e.verdict}`)).toEqual([
      "1:3:no-observations",
      "1:4:no-observations",
      "2:3:no-observations",
      "2:4:no-observations",
      "3:3:no-observations",
      "3:4:no-observations",
    ]);
    expect(home.submissions).toEqual([]);

    now = END_MS + 2_500;
    const evaluations = (await evaluateDueEpochs(world(), now)).filter((e) => e.epoch === "5");
    expect(evaluations.map((e) => e.verdict)).toEqual(["submitted", "submitted", "submitted"]);
    const [one, two, three] = evaluations.map((e) => e.report as SlaReport);
    expect(one).toMatchObject({ modelId: 1n, epoch: EPOCH, uptimeBps: 10_000, sampleCount: 30, refundBps: 0 });
    expect(one?.samplesRoot).toBe(samplesRoot(1n, healthy));
    expect(two?.samplesRoot).toBe(samplesRoot(2n, slow));
    expect(Math.abs((two?.p95Ms ?? 0) - 901) / 901).toBeLessThanOrEqual(0.01);
    expect(two).toMatchObject({ uptimeBps: 10_000, refundBps: 2_500 });
    // 7000 bps is below the 7500 tier (10,000); the failed probes also count as 2 s latencies.
    expect(three).toMatchObject({ uptimeBps: 7_000, refundBps: 10_000 });
    for (const e of evaluations) {
      expect(e.published).toEqual([
        { chainId: 31_337, result: "published", transaction: expect.stringMatching(/^0x/) },
        { chainId: SOLANA_CHAIN_ID, result: "published", transaction: expect.stringMatching(/^0x/) },
      ]);
    }
    expect(home.published.filter((p) => p.dstChain === SOLANA_CHAIN_ID).map((p) => p.transport)).toEqual([
      "wormhole",
      "wormhole",
      "wormhole",
    ]);
    expect(home.published.filter((p) => p.dstChain === 31_337).map((p) => p.transport)).toEqual([
      "layerzero",
      "layerzero",
      "layerzero",
    ]);

    // A second pass submits and publishes nothing.
    const again = (await evaluateDueEpochs(world(), now)).filter((e) => e.epoch === "5");
    expect(again.map((e) => e.verdict)).toEqual(["already-recorded", "already-recorded", "already-recorded"]);
    expect(again.flatMap((e) => e.published.map((p) => p.result))).toEqual(Array(6).fill("already-published"));
    expect(home.submissions).toHaveLength(3);
    expect(home.published).toHaveLength(6);

    // Past the lookback (3 epochs), epoch 5 is no longer looked at.
    now = END_MS + 40_000;
    expect((await evaluateDueEpochs(world(), now)).filter((e) => e.epoch === "5")).toEqual([]);
  });

  it("does not resubmit a verdict someone else recorded, but still publishes it", async () => {
    await recordEpoch(1n, () => ({ rttMs: 50, ok: true }));
    const theirs: SlaReport = {
      modelId: 1n,
      epoch: EPOCH,
      p50Ms: 51,
      p95Ms: 52,
      p99Ms: 53,
      uptimeBps: 10_000,
      sampleCount: 29,
      samplesRoot: `0x${"ab".repeat(32)}`,
      receiptCount: 0,
      receiptsRoot: `0x${"00".repeat(32)}`,
      refundBps: 0,
    };
    home.record(theirs);
    now = END_MS + 3_000;
    const [evaluation] = (await evaluateDueEpochs(world(), now)).filter((e) => e.modelId === "1" && e.epoch === "5");
    expect(evaluation?.verdict).toBe("already-recorded");
    expect(evaluation?.report).toBeUndefined();
    expect(home.submissions).toEqual([]);
    expect(evaluation?.published.map((p) => p.result)).toEqual(["published", "published"]);
  });

  it("skips a chain without a Verdict route or whose escrow applied the verdict; a failed publish is retried next run", async () => {
    await recordEpoch(1n, () => ({ rttMs: 50, ok: true }));
    await recordEpoch(2n, () => ({ rttMs: 50, ok: true }));
    applied.add(`31337:2:${EPOCH}`);
    home.failNextPublishTo.add(31_337);
    now = END_MS + 3_000;
    const failing = await evaluateDueEpochs(world(measureConfig({ solanaRoute: false })), now);
    expect(failing.find((e) => e.modelId === "1" && e.epoch === "5")?.published).toEqual([
      { chainId: 31_337, result: "failed", error: "messenger down for 31337" },
      { chainId: SOLANA_CHAIN_ID, result: "no-route" },
    ]);
    const results = await evaluateDueEpochs(world(measureConfig({ solanaRoute: false })), now);
    const byModel = (id: string) => results.find((e) => e.modelId === id && e.epoch === "5")?.published;
    expect(byModel("1")).toEqual([
      { chainId: 31_337, result: "published", transaction: expect.any(String) },
      { chainId: SOLANA_CHAIN_ID, result: "no-route" },
    ]);
    expect(byModel("2")).toEqual([
      { chainId: 31_337, result: "already-applied" },
      { chainId: SOLANA_CHAIN_ID, result: "no-route" },
    ]);
    expect(home.published).toEqual([{ modelId: 1n, epoch: EPOCH, dstChain: 31_337, transport: "layerzero" }]);
    expect(home.submissions).toHaveLength(2); // both verdicts were recorded by the failing run already
    const evaluations = await evaluateDueEpochs(world(measureConfig({ solanaRoute: false })), now);
    expect(evaluations.filter((e) => e.epoch === "5").flatMap((e) => e.published.map((p) => p.result))).toEqual([
      "already-published",
      "no-route",
      "already-applied",
      "no-route",
    ]);
  });

  it("waits, without failing, while a bond-slashing verdict's receipts are not all home; publishes once they are", async () => {
    await recordEpoch(1n, () => ({ rttMs: 50, ok: true }));
    home.receiptsIncomplete.add(SOLANA_CHAIN_ID);
    now = END_MS + 3_000;
    const waiting = await evaluateDueEpochs(world(measureConfig()), now);
    expect(waiting.find((e) => e.modelId === "1" && e.epoch === "5")?.published).toEqual([
      { chainId: 31_337, result: "waiting", error: expect.stringContaining("waits for the receipts of chain") },
      {
        chainId: SOLANA_CHAIN_ID,
        result: "waiting",
        error: expect.stringContaining("waits for the receipts of chain"),
      },
    ]);
    expect(home.published).toEqual([]);
    home.receiptsIncomplete.clear();
    const later = await evaluateDueEpochs(world(measureConfig()), now);
    expect(later.find((e) => e.modelId === "1" && e.epoch === "5")?.published.map((p) => p.result)).toEqual([
      "published",
      "published",
    ]);
  });
});

function sampleOf(modelId: bigint): SampleRecord {
  return {
    modelId,
    epoch: EPOCH,
    vantage: "a",
    roundId: "1",
    startedAt: START_MS + 1,
    rttMs: 10,
    ok: true,
    outcome: "ok",
  };
}
