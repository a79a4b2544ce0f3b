import { MAX_PROBE_TIMEOUT_MS } from "@slabridge/core";
import { MemorySampleStore } from "@slabridge/store";
import { describe, expect, it } from "vitest";
import { MemoryBlobStore } from "../attest/BlobStore.ts";
import { MeasureConfigError, ProberInvokeError } from "../errors.ts";
import type { MeasureWorld } from "../MeasureWorld.ts";
import type { ProbeRoundPayload } from "../probeRoundPayload.ts";
import { FakeHomeChain } from "../testing/FakeHomeChain.ts";
import { demoTerms, measureConfig, measureManifest } from "../testing/measureFixtures.ts";
import { testRegistry } from "../testing/testProbers.ts";
import { fanOutProbeRound } from "./fanOutProbeRound.ts";
import { ProberInvoker } from "./ProberInvoker.ts";

const GENESIS = 1_700_000_000n;
const config = measureConfig();
const probing =
  config.probing ??
  (() => {
    throw new Error("no probing");
  })();

/** A world whose invoker records each invocation; vantage points in `down` refuse theirs. */
function world(endpoints: string[], down: ReadonlySet<string> = new Set(), timeoutsMs: readonly number[] = []) {
  const invocations: { vantage: string; payload: ProbeRoundPayload }[] = [];
  const home = new FakeHomeChain({
    chainId: 31_338,
    nowMs: () => Date.now(),
    models: new Map(
      endpoints.map((endpoint, i) => [
        BigInt(i + 1),
        {
          clock: { genesis: GENESIS, epochSeconds: 10n },
          endpoint,
          terms: { ...demoTerms, probeTimeoutMs: timeoutsMs[i] ?? 1_500 },
        },
      ]),
    ),
  });
  const w: MeasureWorld = {
    manifest: measureManifest({ models: endpoints.length }),
    config,
    probing,
    samples: new MemorySampleStore(),
    clock: { now: () => Date.now() },
    home,
    escrows: { verdictApplied: async () => false },
    invoker: {
      vantages: probing.vantagePoints.map((v) => v.name),
      invoke: async (vantage, payload) => {
        if (down.has(vantage)) throw new ProberInvokeError(vantage, "refused");
        invocations.push({ vantage, payload });
      },
      cosign: async () => {
        throw new Error("the coordinator asks no co-signature");
      },
    },
    registry: testRegistry(probing),
    blobs: new MemoryBlobStore(),
  };
  return { world: w, invocations };
}

describe("fanOutProbeRound", () => {
  it("invokes each vantage point once with the same round, its id the scheduled time floored to the period", async () => {
    const { world: w, invocations } = world(["http://127.0.0.1:8001", "http://127.0.0.1:8002"]);
    const scheduled = Number(GENESIS + 1_234n) * 1_000 + 400; // epoch 123 of a 10 s model
    const result = await fanOutProbeRound(w, scheduled);
    const roundId = String(Number(GENESIS + 1_234n) * 1_000);
    expect(result).toEqual({ roundId, targets: 2, skipped: [], invoked: ["a", "b", "c"], failed: [] });
    expect(invocations.map((i) => i.vantage)).toEqual(["a", "b", "c"]);
    for (const { payload } of invocations) {
      expect(payload).toEqual({
        roundId,
        scheduledAt: Number(roundId),
        targets: [1, 2].map((n) => ({
          modelId: String(n),
          epoch: "123",
          endpoint: `http://127.0.0.1:800${n}`,
          model: `demo-model-${n}`,
          timeoutMs: 1_500,
        })),
      });
    }
    // A retried tick later in the same period is the same round.
    expect((await fanOutProbeRound(w, scheduled + 500)).roundId).toBe(roundId);
  });

  it("clamps a host's probe timeout to MAX_PROBE_TIMEOUT_MS, so one host cannot hold a round past its budget", async () => {
    const endpoints = ["http://127.0.0.1:8001", "http://127.0.0.1:8002", "http://127.0.0.1:8003"];
    const { world: w, invocations } = world(endpoints, new Set(), [300_000, 700_000, 1_500]);
    const result = await fanOutProbeRound(w, Date.now());
    expect(result).toMatchObject({ targets: 3, skipped: [] });
    expect(invocations[0]?.payload.targets.map((t) => t.timeoutMs)).toEqual([
      MAX_PROBE_TIMEOUT_MS,
      MAX_PROBE_TIMEOUT_MS,
      1_500,
    ]);
    expect(MAX_PROBE_TIMEOUT_MS).toBe(30_000);
  });

  it("sends a model whose endpoint cannot be probed as a target all the same, and reports a vantage point that failed without stopping the others", async () => {
    const { world: w, invocations } = world(
      ["http://127.0.0.1:8001", "ftp://127.0.0.1/x", "x".repeat(3_000)],
      new Set(["b"]),
    );
    const result = await fanOutProbeRound(w, Date.now());
    // Not skipped: each prober records it as unprobeable, i.e. down (a host cannot hide behind its endpoint).
    expect(result.targets).toBe(3);
    expect(result.skipped).toEqual([]);
    expect(invocations[0]?.payload.targets.map((t) => t.endpoint)).toEqual([
      "http://127.0.0.1:8001",
      "ftp://127.0.0.1/x",
      "",
    ]);
    expect(result.invoked).toEqual(["a", "c"]);
    expect(result.failed).toEqual([
      { vantage: "b", error: expect.stringMatching(/^Could not invoke the prober of vantage point b\./) },
    ]);
    expect(invocations.map((i) => i.vantage)).toEqual(["a", "c"]);
  });
});

describe("ProberInvoker", () => {
  it("refuses to be built for a local run without a loopback Lambda endpoint", () => {
    expect(() => new ProberInvoker({ vantagePoints: probing.vantagePoints })).toThrow(MeasureConfigError);
    expect(
      () => new ProberInvoker({ vantagePoints: probing.vantagePoints, localEndpoint: "https://lambda.amazonaws.com" }),
    ).toThrow(MeasureConfigError);
    expect(() => new ProberInvoker({ vantagePoints: probing.vantagePoints, localEndpoint: "not a url" })).toThrow(
      MeasureConfigError,
    );
    const invoker = new ProberInvoker({ vantagePoints: probing.vantagePoints, localEndpoint: "http://127.0.0.1:9" });
    expect(invoker.vantages).toEqual(["a", "b", "c"]);
    invoker.destroy();
  });
});
