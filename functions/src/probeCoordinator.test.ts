import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { type DemoHost, startDemoHost } from "@slabridge/devnet";
import {
  InvalidProbePayloadError,
  MeasureConfigError,
  type MeasureWorld,
  type ProbeRoundPayload,
  ProberInvoker,
} from "@slabridge/measuring";
import {
  demoTerms,
  FakeHomeChain,
  type InProcessProbers,
  inProcessProbers,
  measureConfig,
  measureManifest,
} from "@slabridge/measuring/testing";
import { LambdaInvokeServer } from "@slabridge/runtime";
import { MemorySampleStore } from "@slabridge/store";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createProbeHandler } from "./probe.ts";
import { createProbeCoordinatorHandler } from "./probeCoordinator.ts";

const GENESIS = 1_700_000_000n;
let hosts: DemoHost[];
let server: LambdaInvokeServer;
let received: Map<string, ProbeRoundPayload[]>;
let samples: MemorySampleStore;
let invoker: ProberInvoker;
let probers: InProcessProbers;

const config = measureConfig();
const probing =
  config.probing ??
  (() => {
    throw new Error("no probing");
  })();

function world(vantagePoints = probing.vantagePoints): MeasureWorld {
  const home = new FakeHomeChain({
    chainId: 31_338,
    nowMs: () => Date.now(),
    models: new Map(
      hosts.map((host, i) => [
        BigInt(i + 1),
        {
          clock: { genesis: GENESIS, epochSeconds: 10n },
          endpoint: host.url,
          terms: { ...demoTerms, probeTimeoutMs: 1_500 },
        },
      ]),
    ),
  });
  return {
    manifest: measureManifest({ models: hosts.length }),
    config,
    probing: { ...probing, vantagePoints },
    samples,
    clock: { now: () => Date.now() },
    home,
    escrows: { verdictApplied: async () => false },
    invoker,
    registry: probers.registry,
    blobs: probers.blobs,
  };
}

beforeAll(async () => {
  hosts = await Promise.all(
    [1, 2].map((i) =>
      startDemoHost({ name: `h${i}`, model: `demo-model-${i}`, latency: { baseMs: 5, jitterMs: 5 }, failureRate: 0 }),
    ),
  );
  probers = inProcessProbers({
    probing,
    samples: new MemorySampleStore(),
    clock: { now: () => Date.now() },
    home: new FakeHomeChain({ chainId: 31_338, nowMs: () => Date.now(), models: new Map() }),
  });
  server = new LambdaInvokeServer();
  for (const { name, functionName } of probing.vantagePoints) {
    // The samples store is new for each test.
    const probe = createProbeHandler(async () => ({ ...probers.proberWorld(name), samples }), name);
    server.register(functionName, async (event: ProbeRoundPayload) => {
      received.get(name)?.push(event);
      return probe(event);
    });
  }
  await server.start();
  invoker = new ProberInvoker({ vantagePoints: probing.vantagePoints, localEndpoint: server.url });
});

afterAll(async () => {
  invoker?.destroy();
  await server?.stop();
  await Promise.all(hosts.map((host) => host.close()));
});

beforeEach(() => {
  samples = new MemorySampleStore();
  received = new Map(probing.vantagePoints.map((v) => [v.name, []]));
});

describe("probe coordinator fan-out through the Lambda Invoke API (real LambdaClient, local server)", () => {
  it("sends ONE Event invocation per vantage point; each prober records one sample per model, once per round", async () => {
    const coordinator = createProbeCoordinatorHandler(async () => world());
    const time = new Date(Number(GENESIS + 1_234n) * 1_000 + 400); // epoch 123 of a 10 s model
    const result = await coordinator({ time: time.toISOString(), "detail-type": "Scheduled Event" });
    expect(result).toMatchObject({ roundId: String(Number(GENESIS + 1_234n) * 1_000), targets: 2, skipped: [] });
    expect(result.invoked).toEqual(["a", "b", "c"]);
    await server.functions.idle();

    for (const [, events] of received) {
      expect(events).toHaveLength(1);
      expect(events[0]?.targets).toEqual(
        hosts.map((host, i) => ({
          modelId: String(i + 1),
          epoch: "123",
          endpoint: host.url,
          model: `demo-model-${i + 1}`,
          timeoutMs: 1_500,
        })),
      );
    }
    const stored = [...(await samples.listEpoch(1n, 123n)), ...(await samples.listEpoch(2n, 123n))];
    expect(stored).toHaveLength(6);
    expect(stored.every((s) => s.ok && s.outcome === "ok" && s.roundId === result.roundId)).toBe(true);
    expect(new Set(stored.map((s) => s.vantage))).toEqual(new Set(["a", "b", "c"]));

    // The same tick again (a schedule retry): the probers are invoked, but send no probe and record nothing.
    const requestsBefore = hosts.map((host) => host.stats().requests);
    await coordinator({ time: time.toISOString() });
    await server.functions.idle();
    for (const [, events] of received) expect(events).toHaveLength(2);
    expect(hosts.map((host) => host.stats().requests)).toEqual(requestsBefore);
    expect([...(await samples.listEpoch(1n, 123n)), ...(await samples.listEpoch(2n, 123n))]).toEqual(stored);
    expect(server.functions.stats().errors).toBe(0);
  });

  it("reports a vantage point whose function does not exist, invokes the others, and throws for a retry", async () => {
    const missing = [
      ...probing.vantagePoints.slice(0, 2),
      { name: "d", region: "eu-west-1", functionName: "prober-d" },
    ];
    const partial = new ProberInvoker({ vantagePoints: missing, localEndpoint: server.url });
    try {
      const w = { ...world(missing), invoker: partial };
      const coordinator = createProbeCoordinatorHandler(async () => w);
      await expect(coordinator({ time: new Date().toISOString() })).rejects.toThrow(/d not invoked/);
      await server.functions.idle();
      expect(received.get("a")).toHaveLength(1);
      expect(received.get("b")).toHaveLength(1);
      expect(received.get("c")).toHaveLength(0);
    } finally {
      partial.destroy();
    }
  });

  it("a prober refuses a malformed round with a typed error and records nothing", async () => {
    const client = new LambdaClient({
      endpoint: server.url,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    const requestsBefore = hosts.map((host) => host.stats().requests);
    try {
      const out = await client.send(
        new InvokeCommand({
          FunctionName: "prober-a",
          Payload: new TextEncoder().encode(
            JSON.stringify({ roundId: "1", scheduledAt: 1, targets: [{ modelId: "x" }] }),
          ),
        }),
      );
      expect(out.FunctionError).toBe("Unhandled");
      expect(JSON.parse(new TextDecoder().decode(out.Payload)).errorType).toBe("InvalidProbePayloadError");
      expect(hosts.map((host) => host.stats().requests)).toEqual(requestsBefore); // nothing was probed
      expect(received.get("a")).toHaveLength(1);
    } finally {
      client.destroy();
    }
  });

  it("refuses a bad schedule event, and an invoker that could reach AWS from a local run", async () => {
    const coordinator = createProbeCoordinatorHandler(async () => world());
    await expect(coordinator({ time: "yesterday" })).rejects.toBeInstanceOf(InvalidProbePayloadError);
    expect(() => new ProberInvoker({ vantagePoints: probing.vantagePoints })).toThrow(MeasureConfigError);
    expect(
      () =>
        new ProberInvoker({
          vantagePoints: probing.vantagePoints,
          localEndpoint: "https://lambda.us-east-1.amazonaws.com",
        }),
    ).toThrow(MeasureConfigError);
  });
});
