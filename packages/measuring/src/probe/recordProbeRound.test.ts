import { type DemoHost, startDemoHost } from "@slabridge/devnet";
import { MemorySampleStore } from "@slabridge/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isSignedByItsVantage } from "../attest/signedSamples.ts";
import type { ProberWorld } from "../MeasureWorld.ts";
import type { ProbeRoundPayload } from "../probeRoundPayload.ts";
import { FakeHomeChain } from "../testing/FakeHomeChain.ts";
import { inProcessProbers } from "../testing/inProcessProbers.ts";
import { measureConfig } from "../testing/measureFixtures.ts";
import { startTestServer } from "../testing/startTestServer.ts";
import { recordProbeRound } from "./recordProbeRound.ts";

let hosts: DemoHost[];

beforeAll(async () => {
  hosts = await Promise.all(
    [1, 2].map((i) =>
      startDemoHost({
        name: `h${i}`,
        model: `demo-model-${i}`,
        latency: { baseMs: 5, jitterMs: 5 },
        // Host 2 answers 503 every time: failures are samples too.
        failureRate: i === 2 ? 1 : 0,
      }),
    ),
  );
});

afterAll(async () => {
  await Promise.all(hosts.map((host) => host.close()));
});

function world(samples: MemorySampleStore, vantage: string): ProberWorld {
  const probing = measureConfig().probing;
  if (!probing) throw new Error("no probing");
  const clock = { now: () => Date.now() };
  const home = new FakeHomeChain({ chainId: 31_338, nowMs: clock.now, models: new Map() });
  return inProcessProbers({ probing, samples, clock, home }).proberWorld(vantage);
}

const payload = (): ProbeRoundPayload => ({
  roundId: "1700000000000",
  scheduledAt: 1_700_000_000_000,
  targets: hosts.map((host, i) => ({
    modelId: String(i + 1),
    epoch: "9",
    endpoint: host.url,
    model: `demo-model-${i + 1}`,
    timeoutMs: 1_000,
  })),
});

describe("recordProbeRound", () => {
  it("records one sample per target under the vantage point, failures included", async () => {
    const samples = new MemorySampleStore();
    const result = await recordProbeRound(world(samples, "a"), "a", payload());
    expect(result).toMatchObject({ probed: 2, recorded: 2, alreadyRecorded: 0, outcomes: { ok: 1, "http-error": 1 } });
    expect(await samples.get(1n, 9n, "a#1700000000000#1")).toMatchObject({ ok: true, outcome: "ok", status: 200 });
    // Each sample is signed by its vantage point's own key.
    const registry = world(samples, "a").registry;
    for (const stored of await samples.listEpoch(1n, 9n)) expect(isSignedByItsVantage(registry, stored)).toBe(true);
    expect(await samples.get(2n, 9n, "a#1700000000000#2")).toMatchObject({
      ok: false,
      outcome: "http-error",
      status: 503,
    });
  });

  it("after a crash half way, the retried invocation probes and records only what is missing", async () => {
    const samples = new MemorySampleStore();
    // The crashed attempt got as far as recording host 1's sample.
    const first = await recordProbeRound(world(samples, "b"), "b", {
      ...payload(),
      targets: payload().targets.slice(0, 1),
    });
    expect(first.recorded).toBe(1);
    const kept = await samples.get(1n, 9n, "b#1700000000000#1");
    const requests = hosts.map((host) => host.stats().requests);

    const retried = await recordProbeRound(world(samples, "b"), "b", payload());
    expect(retried).toMatchObject({ probed: 1, recorded: 1, alreadyRecorded: 1 });
    expect(hosts.map((host) => host.stats().requests)).toEqual([requests[0], (requests[1] ?? 0) + 1]);
    expect(await samples.get(1n, 9n, "b#1700000000000#1")).toEqual(kept);

    // A third delivery of the same round sends nothing at all.
    const again = await recordProbeRound(world(samples, "b"), "b", payload());
    expect(again).toMatchObject({ probed: 0, recorded: 0, alreadyRecorded: 2 });
    expect(hosts.map((host) => host.stats().requests)).toEqual([requests[0], (requests[1] ?? 0) + 1]);
    // Another vantage point's samples of the same round are its own.
    expect((await recordProbeRound(world(samples, "c"), "c", payload())).recorded).toBe(2);
    expect((await samples.listEpoch(1n, 9n)).map((s) => s.vantage)).toEqual(["b", "c"]);
  });

  it("a hanging host among healthy ones: the healthy samples are recorded as they arrive and the round ends within its budget", async () => {
    // Accepts the request and never answers: a tarpit with the largest timeout the registry accepts.
    const tarpit = await startTestServer(() => undefined);
    try {
      const samples = new MemorySampleStore();
      const round = payload();
      round.targets.push({ modelId: "3", epoch: "9", endpoint: tarpit.url, model: "demo-model-3", timeoutMs: 30_000 });
      const started = performance.now();
      // The Lambda has 4.5 s left; with the 3 s margin, the round has 1.5 s.
      const result = await recordProbeRound(world(samples, "a"), "a", round, {
        remainingTimeMs: () => 4_500 - (performance.now() - started),
      });
      const elapsed = performance.now() - started;
      expect(elapsed).toBeLessThan(2_500);
      expect(result).toMatchObject({ probed: 3, recorded: 3, outcomes: { ok: 1, "http-error": 1, timeout: 1 } });
      expect(await samples.get(1n, 9n, "a#1700000000000#1")).toMatchObject({ ok: true, outcome: "ok" });
      // The host that held the round is down for it (host side), not missing.
      expect(await samples.get(3n, 9n, "a#1700000000000#3")).toMatchObject({ ok: false, outcome: "timeout" });
    } finally {
      await tarpit.close();
    }
  }, 40_000);

  it("records each sample as soon as its probe ends, before slower hosts answer", async () => {
    const slow = await startTestServer(() => undefined);
    try {
      const samples = new MemorySampleStore();
      const round = payload();
      round.targets.push({ modelId: "3", epoch: "9", endpoint: slow.url, model: "demo-model-3", timeoutMs: 1_500 });
      const running = recordProbeRound(world(samples, "a"), "a", round);
      await new Promise((resolve) => setTimeout(resolve, 700));
      // The slow host is still pending, the two fast ones are already stored.
      expect((await samples.listEpoch(1n, 9n)).length + (await samples.listEpoch(2n, 9n)).length).toBe(2);
      await running;
      expect(await samples.get(3n, 9n, "a#1700000000000#3")).toMatchObject({ outcome: "timeout" });
    } finally {
      await slow.close();
    }
  });
});
