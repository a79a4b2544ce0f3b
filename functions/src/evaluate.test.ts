import { SOLANA_CHAIN_ID } from "@slabridge/core";
import { type MeasureWorld, signSampleRecord } from "@slabridge/measuring";
import {
  demoTerms,
  FakeHomeChain,
  inProcessProbers,
  measureConfig,
  measureManifest,
} from "@slabridge/measuring/testing";
import { MemorySampleStore } from "@slabridge/store";
import { describe, expect, it } from "vitest";
import { createEvaluateHandler } from "./evaluate.ts";

const END_MS = 1_060_000; // epoch 5 of a model with genesis 1000 s and 10 s epochs

/** A measuring world of one model whose epoch 5 was probed healthy by vantage points a and b every second. */
async function world(): Promise<{ world: MeasureWorld; home: FakeHomeChain }> {
  const config = measureConfig({ solanaRoute: false });
  const probing = config.probing;
  if (!probing) throw new Error("no probing");
  const samples = new MemorySampleStore();
  const now = END_MS + 3_000;
  const home = new FakeHomeChain({
    chainId: 31_338,
    nowMs: () => now,
    models: new Map([
      [1n, { clock: { genesis: 1_000n, epochSeconds: 10n }, endpoint: "http://127.0.0.1:9", terms: demoTerms }],
    ]),
  });
  const probers = inProcessProbers({ probing, samples, clock: { now: () => now }, home });
  for (let second = 0; second < 10; second++) {
    for (const vantage of ["a", "b"]) {
      const roundId = String(END_MS - 10_000 + second * 1_000);
      const startedAt = Number(roundId) + 7;
      const record = { modelId: 1n, epoch: 5n, vantage, roundId, startedAt, rttMs: 50, ok: true, outcome: "ok" };
      await samples.record(await signSampleRecord(probers.proberWorld(vantage).key, probers.registry.domain, record));
    }
  }
  return {
    home,
    world: {
      manifest: measureManifest({ models: 1 }),
      config,
      probing,
      samples,
      clock: { now: () => now },
      home,
      escrows: { verdictApplied: async (chainId) => (chainId === SOLANA_CHAIN_ID ? undefined : false) },
      invoker: probers.invoker,
      registry: probers.registry,
      blobs: probers.blobs,
    },
  };
}

describe("evaluate handler", () => {
  it("throws after the pass when a destination failed (the schedule retries), and returns JSON on the retry", async () => {
    const { world: w, home } = await world();
    home.failNextPublishTo.add(31_337);
    const handler = createEvaluateHandler(async () => w);
    await expect(handler()).rejects.toThrow(/model 1 epoch 5/);
    expect(home.submissions).toHaveLength(1); // the failing pass recorded the verdict already

    const { evaluations } = await handler();
    const epoch5 = evaluations.find((e) => e.modelId === "1" && e.epoch === "5");
    expect(epoch5?.verdict).toBe("already-recorded");
    expect(epoch5?.published).toEqual([
      { chainId: 31_337, result: "published", transaction: expect.stringMatching(/^0x/) },
      { chainId: SOLANA_CHAIN_ID, result: "no-route" },
    ]);
  });

  it("returns the submitted report with its ids as decimal strings (a Lambda result is JSON)", async () => {
    const { world: w } = await world();
    const { evaluations } = await createEvaluateHandler(async () => w)();
    const epoch5 = evaluations.find((e) => e.modelId === "1" && e.epoch === "5");
    expect(epoch5).toMatchObject({ verdict: "submitted", report: { modelId: "1", epoch: "5", sampleCount: 20 } });
    expect(JSON.parse(JSON.stringify(evaluations))).toEqual(evaluations);
  });
});
