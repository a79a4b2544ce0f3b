import { type DemoHost, startDemoHost } from "@slabridge/devnet";
import { MemorySampleStore } from "@slabridge/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fanOutProbeRound } from "../coordinator/fanOutProbeRound.ts";
import type { MeasureWorld } from "../MeasureWorld.ts";
import { recordProbeRound } from "../probe/recordProbeRound.ts";
import { FakeHomeChain } from "../testing/FakeHomeChain.ts";
import { inProcessProbers } from "../testing/inProcessProbers.ts";
import { demoTerms, measureConfig, measureManifest } from "../testing/measureFixtures.ts";
import { evaluateDueEpochs } from "./evaluateDueEpochs.ts";

const START_MS = 1_050_000; // epoch 5 of a model with genesis 1000 s and 10 s epochs
const END_MS = 1_060_000;

let host: DemoHost;
beforeAll(async () => {
  host = await startDemoHost({ name: "h1", model: "demo-model-1", latency: { baseMs: 5 }, failureRate: 0 });
});
afterAll(async () => {
  await host.close();
});

/** Coordinator, the three probers and the evaluator in one process, on a clock the test moves. */
function measuring() {
  const config = measureConfig();
  const probing = config.probing;
  if (!probing) throw new Error("no probing");
  let now = START_MS;
  const home = new FakeHomeChain({
    chainId: 31_338,
    nowMs: () => now,
    models: new Map([[1n, { clock: { genesis: 1_000n, epochSeconds: 10n }, endpoint: host.url, terms: demoTerms }]]),
  });
  const samples = new MemorySampleStore();
  const clock = { now: () => now };
  const probers = inProcessProbers({ probing, samples, clock, home });
  const world: MeasureWorld = {
    manifest: measureManifest({ models: 1 }),
    config,
    probing,
    samples,
    clock,
    home,
    escrows: { verdictApplied: async () => false },
    invoker: probers.invoker,
    registry: probers.registry,
    blobs: probers.blobs,
  };
  return {
    world,
    home,
    setNow: (ms: number) => {
      now = ms;
    },
    /** One round at `ms`: fan out, then each vantage point probes and records. */
    async round(ms: number) {
      now = ms;
      await fanOutProbeRound(world, ms);
      now = ms + 5;
      for (const { vantage, payload } of probers.rounds.splice(0)) {
        await recordProbeRound(probers.proberWorld(vantage), vantage, payload);
      }
    },
  };
}

describe("a host that hides an outage behind an unprobeable endpoint", () => {
  it('setHost("offline") while down: the unprobeable buckets count as down, uptime < 100% and buyers get a refund', async () => {
    const m = measuring();
    for (let second = 0; second < 10; second++) {
      // The host goes down at second 6 and its owner points the listing at "offline" until it is back at second 9.
      m.home.setHost(1n, second >= 6 && second <= 8 ? "offline" : host.url);
      await m.round(START_MS + second * 1_000);
    }
    m.setNow(END_MS + 2_500);
    const [evaluation] = (await evaluateDueEpochs(m.world, END_MS + 2_500)).filter((e) => e.epoch === "5");
    expect(evaluation?.verdict).toBe("submitted");
    // 7 of 10 buckets up: below the 7500 tier, a full refund.
    expect(evaluation?.report).toMatchObject({ uptimeBps: 7_000, refundBps: 10_000, sampleCount: 30 });
    const offline = (await m.world.samples.listEpoch(1n, 5n)).filter((s) => !s.ok);
    expect(offline).toHaveLength(9);
    expect(new Set(offline.map((s) => s.outcome))).toEqual(new Set(["unprobeable"]));
  });
});
