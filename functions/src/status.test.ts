import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  type DeploymentManifest,
  encodeMessage,
  type HomeChainStatusReader,
  type Job,
  type MessageRef,
  manifestRpcUrlOf,
  parseStageConfig,
  SlabridgeError,
} from "@slabridge/core";
import { evmChainsOf } from "@slabridge/evm";
import { encodeEvidenceBundle, evidenceName, MemoryBlobStore } from "@slabridge/measuring";
import { RelayEngine } from "@slabridge/relay";
import { LocalFunctionUrlServer } from "@slabridge/runtime";
import type { StatusWorld } from "@slabridge/status";
import { MemoryCursorStore, MemoryJobStore, MemoryPaymentStore } from "@slabridge/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { routeControlsOf } from "./context/routeControlsOf.ts";
import { buildStatusWorld } from "./context/status/buildStatusWorld.ts";
import { createStatusHandler } from "./status.ts";

const address = (n: number): `0x${string}` => `0x${n.toString(16).padStart(40, "0")}`;
const anvil = (index: number) => ({ kind: "anvil-dev-account" as const, index, address: address(100 + index) });
/** Nothing listens on port 9 of loopback: every chain read fails fast with "connection refused". */
const DEAD_RPC = "http://127.0.0.1:9/v2/Zk3vL9aQ8xYp2Rt7Nw4Bc6Df1Gh5Jm0K";
const NOW = Date.UTC(2026, 10, 27, 12);

function manifest(): DeploymentManifest {
  const chain = (name: string, chainId: number, home: boolean) => ({
    family: "evm" as const,
    name,
    chainId,
    rpcUrl: DEAD_RPC,
    confirmations: 1,
    layerZero: {
      eid: 40_000 + chainId - 31_337,
      endpointV2: address(1),
      sendUln302: address(2),
      receiveUln302: address(3),
    },
    wormhole: { chainId: 10_002 + 2 * (chainId - 31_337), core: address(4) },
    stablecoin: { address: address(5), decimals: 6, symbol: "dUSDC" },
    contracts: {
      ...(home
        ? { modelRegistry: address(6), slaOracle: address(7), revenueLedger: address(8) }
        : { escrow: address(9) }),
      layerZeroMessenger: address(10),
      wormholeMessenger: address(11),
    },
  });
  return {
    version: 1,
    network: "devnet",
    createdAt: new Date(0).toISOString(),
    homeChainId: 31_338,
    chains: [chain("evm-a", 31_337, false), chain("evm-b", 31_338, true)],
    guardian: { apiUrl: "http://127.0.0.1:7071", guardianSetIndex: 0 },
    dynamo: { endpoint: "http://127.0.0.1:4567", region: "us-east-1", tables: { jobs: "devnet-Jobs" } },
    hosts: [],
    models: [
      {
        modelId: "1",
        homeChainId: 31_338,
        genesis: 1_700_000_000,
        epochSeconds: 10,
        hostName: "healthy",
        hostUrl: "http://127.0.0.1:9001",
        pricePerRequest: "10000",
      },
    ],
    keys: {
      deployer: anvil(0),
      layerZeroDvn: anvil(1),
      layerZeroExecutor: anvil(2),
      wormholeGuardian: { kind: "wormhole-sdk-devnet-guardian", address: address(12) },
      probers: [anvil(3), anvil(4), anvil(5)],
      proberThreshold: 2,
      demoBuyers: [],
    },
  };
}

function stageConfig() {
  const m = manifest();
  return parseStageConfig({
    stage: "devnet",
    chains: evmChainsOf(m).map((chain) => ({
      chainId: chain.chainId,
      name: chain.name,
      family: "evm",
      rpcUrl: { url: chain.rpcUrl },
      confirmations: chain.confirmations,
    })),
    routes: [
      { source: 31_337, destination: 31_338, kind: "ReceiptBatch", transport: "layerzero", maxValuePerHour: "100" },
    ],
    batching: { maxPaymentsPerReceiptBatch: 10, maxRefundsPerTransaction: 2 },
    retry: { tiersMs: [50], maxAttempts: 3, jitter: 0 },
    watch: { pollIntervalSeconds: 1 },
  });
}

function world(jobs = new MemoryJobStore({ clock: { now: () => NOW } }), cursors?: MemoryCursorStore): StatusWorld {
  const m = manifest();
  return buildStatusWorld({
    manifest: m,
    config: parseStageConfig({
      stage: "devnet",
      chains: evmChainsOf(m).map((chain) => ({
        chainId: chain.chainId,
        name: chain.name,
        family: "evm",
        rpcUrl: { url: chain.rpcUrl },
        confirmations: chain.confirmations,
      })),
      routes: [{ source: 31_337, destination: 31_338, kind: "ReceiptBatch", transport: "layerzero" }],
      batching: { maxPaymentsPerReceiptBatch: 10, maxRefundsPerTransaction: 2 },
      retry: { tiersMs: [50], maxAttempts: 3, jitter: 0 },
      watch: { pollIntervalSeconds: 1 },
    }),
    stores: { jobs, payments: new MemoryPaymentStore(), ...(cursors ? { cursors } : {}) },
    rpcUrls: new Map(evmChainsOf(m).map((chain) => [chain.chainId, manifestRpcUrlOf(chain)])),
    clock: { now: () => NOW },
  });
}

function job(id: string, status: Job["status"], updatedAt: number, extra: Partial<Job> = {}): Job {
  const base = {
    id,
    kind: "refund" as const,
    version: 1,
    source: {
      chainId: 31_337,
      transaction: `0x${"ab".repeat(32)}`,
      block: 100n,
      blockHash: `0x${"cd".repeat(32)}`,
      index: 2,
    },
    destinationChainId: 31_337,
    transport: "layerzero" as const,
    payload: "0x" as const,
    epochRef: { modelId: 1n, epoch: 7n },
    attempts: 3,
    createdAt: updatedAt,
    updatedAt,
  };
  switch (status) {
    case "failed":
      return {
        ...base,
        status,
        reason: `rpc timeout at ${DEAD_RPC}`,
        retryable: true,
        nextAttemptAt: NOW + 60_000,
        ...extra,
      } as Job;
    case "dead-lettered":
      return { ...base, status, reason: "escrow reverted: NoVerdict", deadLetteredAt: updatedAt, ...extra } as Job;
    case "confirmed":
      return {
        ...base,
        status,
        alreadyDone: false,
        confirmedAt: updatedAt,
        destinationTransaction: `0x${"ef".repeat(32)}`,
        ...extra,
      } as Job;
    default:
      return { ...base, status: "observed", ...extra } as Job;
  }
}

async function seeded(): Promise<StatusWorld> {
  const jobs = new MemoryJobStore({ clock: { now: () => NOW } });
  for (const j of [
    job("refund:31337:1:7", "failed", NOW - 2_000),
    job("settle:31337:1:7", "dead-lettered", NOW - 1_000, { kind: "settle" }),
    job("refund:31337:1:6", "confirmed", NOW - 3_000),
    job("relay-receipts:31337:1:8", "observed", NOW - 500, { kind: "relay-receipts" }),
  ]) {
    await jobs.create(j);
  }
  return world(jobs);
}

const event = (method: string, path: string, query?: Record<string, string>) => ({
  rawPath: path,
  ...(query ? { queryStringParameters: query } : {}),
  requestContext: { http: { method } },
});

async function call(
  w: StatusWorld | (() => Promise<StatusWorld>),
  method: string,
  path: string,
  query?: Record<string, string>,
) {
  const handler = createStatusHandler(typeof w === "function" ? w : async () => w);
  const result = await handler(event(method, path, query));
  return {
    status: result.statusCode,
    body: JSON.parse(String(result.body)),
    headers: result.headers ?? {},
    raw: String(result.body),
  };
}

describe("status API routes (memory stores)", () => {
  it("GET /health names the stage and chains, and no RPC URL", async () => {
    const { status, body, raw } = await call(world(), "GET", "/health");
    expect(status).toBe(200);
    expect(body).toEqual({
      status: "ok",
      stage: "devnet",
      homeChainId: 31_338,
      chains: [
        { chainId: 31_337, name: "evm-a", family: "evm" },
        { chainId: 31_338, name: "evm-b", family: "evm" },
      ],
      time: new Date(NOW).toISOString(),
    });
    expect(raw).not.toContain("127.0.0.1:9");
  });

  it("GET /jobs lists unfinished jobs by state, oldest first, with scrubbed reasons and bigints as strings", async () => {
    const { status, body, raw } = await call(await seeded(), "GET", "/jobs");
    expect(status).toBe(200);
    expect(body.statuses).toEqual(["observed", "finalized", "submitted", "failed", "dead-lettered"]);
    expect(body.counts).toEqual({ observed: 1, finalized: 0, submitted: 0, failed: 1, "dead-lettered": 1 });
    expect(body.jobs.map((j: { id: string }) => j.id)).toEqual([
      "relay-receipts:31337:1:8",
      "refund:31337:1:7",
      "settle:31337:1:7",
    ]);
    const failed = body.jobs[1];
    expect(failed).toMatchObject({
      status: "failed",
      attempts: 3,
      retryable: true,
      epochRef: { modelId: "1", epoch: "7" },
      source: { chainId: 31_337, block: "100" },
      nextAttemptAt: new Date(NOW + 60_000).toISOString(),
    });
    expect(failed.reason).toMatch(/^rpc timeout at http:\/\/127\.0\.0\.1:9\/v2\/\*\*\*$/);
    expect(raw).not.toContain("Zk3vL9aQ8xYp2Rt7Nw4Bc6Df1Gh5Jm0K");
    expect(body.jobs[2]).toMatchObject({ status: "dead-lettered", reason: "escrow reverted: NoVerdict" });
    expect(body.jobs.every((j: object) => !("payload" in j))).toBe(true);
  });

  it("GET /jobs?status= filters by one or more states (comma-joined, as a function URL joins repeated keys)", async () => {
    const w = await seeded();
    const dead = await call(w, "GET", "/jobs", { status: "dead-lettered" });
    expect(dead.body.jobs.map((j: { id: string }) => j.id)).toEqual(["settle:31337:1:7"]);
    const both = await call(w, "GET", "/jobs", { status: "confirmed,failed", limit: "1" });
    expect(both.body.counts).toEqual({ confirmed: 1, failed: 1 });
    expect(both.body.jobs[0]).toMatchObject({
      id: "refund:31337:1:6",
      status: "confirmed",
      destinationTransaction: `0x${"ef".repeat(32)}`,
    });
  });

  it.each([
    [{ status: "stuck" }, /status/],
    [{ limit: "0" }, /limit/],
    [{ limit: "ten" }, /limit must be a decimal integer/],
    [{ nope: "1" }, /nope|Unrecognized/i],
  ])("GET /jobs with %j answers 400 with the issues", async (query, issue) => {
    const { status, body } = await call(await seeded(), "GET", "/jobs", query);
    expect(status).toBe(400);
    expect(body.error.name).toBe("InvalidStatusRequestError");
    expect(body.error.retryable).toBe(false);
    expect(body.error.issues.join("\n")).toMatch(issue);
  });

  it.each([
    ["/models/abc/epochs/1", /modelId must be a decimal integer/],
    ["/models/1/epochs/-1", /epoch must be a decimal integer/],
    ["/models/1/epochs/18446744073709551616", /epoch is out of range/],
    [`/models/${2n ** 256n}/epochs/1`, /modelId is out of range/],
  ])("GET %s answers 400 and reads no chain", async (path, issue) => {
    const { status, body } = await call(world(), "GET", path);
    expect(status).toBe(400);
    expect(body.error.issues.join("\n")).toMatch(issue);
  });

  it("GET /controls shows the operator's pauses and the jobs a pause or a route's hourly value limit holds", async () => {
    const clock = { now: () => NOW };
    const jobs = new MemoryJobStore({ clock });
    const cursors = new MemoryCursorStore();
    const controls = routeControlsOf(stageConfig(), cursors, clock);
    const delivered: string[] = [];
    const engine = new RelayEngine({
      jobs,
      transports: {
        layerzero: {
          name: "layerzero",
          quote: async () => ({ nativeFee: 0n }),
          messagesIn: async () => [],
          status: async (ref: MessageRef) => (delivered.includes(ref.messageId) ? "delivered" : "deliverable"),
          deliver: async (ref: MessageRef) => {
            delivered.push(ref.messageId);
            return { transactions: ["0xtx"], status: "delivered" as const };
          },
        },
      },
      receiptSources: new Map(),
      enqueue: async () => {},
      clock,
      retry: { tiersMs: [50], maxAttempts: 3, jitter: 0 },
      maxPaymentsPerBatch: 10,
      controls,
    });
    const batch = (id: string, total: bigint): Job => ({
      id: `deliver-message:lz:${id}`,
      kind: "deliver-message",
      status: "observed",
      version: 1,
      source: { chainId: 31_337, transaction: "0xsrc", block: 1n, blockHash: "0xh", index: 0 },
      destinationChainId: 31_338,
      transport: "layerzero",
      payload: encodeMessage({
        kind: "ReceiptBatch",
        modelId: 1n,
        epoch: 7n,
        paymentChain: 31_337,
        batchIndex: 0,
        count: 1,
        total,
        paymentsRoot: `0x${"11".repeat(32)}`,
        finalBatch: true,
      }),
      messageRef: { transport: "layerzero", messageId: id, sourceChainId: 31_337, sourceTransaction: "0xsrc" },
      attempts: 0,
      createdAt: NOW,
      updatedAt: NOW,
    });
    for (const j of [batch("big", 80n), batch("over", 30n)]) {
      await engine.ingest(j);
      await engine.process(j.id);
    }
    expect(delivered).toEqual(["big"]); // 80 + 30 is over the route's 100 per hour: "over" waits
    await controls.pause({ kind: "chain", chainId: 31_337 }, "escrow migration");

    const { status, body } = await call(world(jobs, cursors), "GET", "/controls");
    expect(status).toBe(200);
    expect(body.paused).toEqual([
      { scope: "chain:31337", reason: "escrow migration", pausedAt: new Date(NOW).toISOString() },
    ]);
    expect(body.held).toHaveLength(1);
    expect(body.held[0]).toMatchObject({ id: "deliver-message:lz:over", status: "failed", attempts: 0 });
    expect(body.held[0].reason).toMatch(/^not ready: route 31337->31338 is at its limit of 100 per hour \(80 sent/);

    // Without a controls store the route still answers, with nothing paused.
    expect((await call(world(jobs), "GET", "/controls")).body.paused).toEqual([]);
  });

  it("answers 404 for a model not in the manifest and for an unknown route, 405 for other methods", async () => {
    const model = await call(world(), "GET", "/models/99/epochs/1");
    expect(model.status).toBe(404);
    expect(model.body.error).toMatchObject({ name: "StatusNotFoundError", kind: "model", retryable: false });
    const route = await call(world(), "GET", "/admin");
    expect(route.status).toBe(404);
    expect(route.body.error.kind).toBe("route");
    const post = await call(world(), "POST", "/jobs");
    expect(post.status).toBe(405);
    expect(post.headers).toMatchObject({ Allow: "GET" });
    expect(post.body.error.name).toBe("StatusMethodNotAllowedError");
  });

  it("answers 503 when a chain read fails (retryable), never showing the RPC URL or its key", async () => {
    const { status, body, raw } = await call(world(), "GET", "/models");
    expect(status).toBe(503);
    expect(body.error.retryable).toBe(true);
    expect(raw).not.toContain("Zk3vL9aQ8xYp2Rt7Nw4Bc6Df1Gh5Jm0K");
    const epoch = await call(world(), "GET", "/models/1/epochs/3");
    expect(epoch.status).toBe(503);
    expect(epoch.raw).not.toContain("Zk3vL9aQ8xYp2Rt7Nw4Bc6Df1Gh5Jm0K");
  });

  it("answers 500 with a generic message for an unexpected error, and the typed error's scrubbed message otherwise", async () => {
    const unexpected = await call(
      async () => {
        throw new Error(`boom at ${DEAD_RPC}`);
      },
      "GET",
      "/health",
    );
    expect(unexpected.status).toBe(500);
    expect(unexpected.body).toEqual({ error: { name: "InternalError", message: "Internal error.", retryable: false } });
    class ConfigMissingError extends SlabridgeError {
      override readonly name = "ConfigMissingError" as const;
    }
    const typed = await call(
      async () => {
        throw new ConfigMissingError(`no config for ${DEAD_RPC}`);
      },
      "GET",
      "/models",
    );
    expect(typed.status).toBe(500);
    expect(typed.body.error.name).toBe("ConfigMissingError");
    expect(typed.raw).not.toContain("Zk3vL9aQ8xYp2Rt7Nw4Bc6Df1Gh5Jm0K");
  });

  it("answers 400 to an event that is not an HTTP request", async () => {
    const result = await createStatusHandler(async () => world())({ Records: [] });
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(String(result.body)).error.name).toBe("InvalidStatusRequestError");
  });
});

describe("status API over the local function URL", () => {
  let server: LocalFunctionUrlServer;
  beforeAll(async () => {
    const w = await seeded();
    server = new LocalFunctionUrlServer({ name: "status", handler: createStatusHandler(async () => w) });
    await server.start();
  });
  afterAll(() => server.stop());

  it("serves the same answers over real HTTP", async () => {
    const response = await fetch(`${server.url}/jobs?status=failed&status=dead-lettered`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    const body = (await response.json()) as { jobs: { id: string }[] };
    expect(body.jobs.map((j: { id: string }) => j.id)).toEqual(["refund:31337:1:7", "settle:31337:1:7"]);
    const missing = await fetch(`${server.url}/models/99/epochs/1`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { kind: string } }).error.kind).toBe("model");
    const trailing = await fetch(`${server.url}/health/`);
    expect(trailing.status).toBe(200);
  });
});

describe("the dashboard beside the JSON routes", () => {
  let dist: string;
  beforeAll(() => {
    dist = mkdtempSync(path.join(tmpdir(), "slabridge-dashboard-"));
    mkdirSync(path.join(dist, "assets"));
    writeFileSync(path.join(dist, "index.html"), "<!doctype html><title>slabridge dashboard</title>");
    writeFileSync(path.join(dist, "assets", "main-AB12.js"), "console.log(1);");
  });
  afterAll(() => rmSync(dist, { recursive: true, force: true }));

  it("serves the page at / and its bundled files at /assets/, while every API route still answers JSON", async () => {
    const handler = createStatusHandler(async () => world(), { dashboardDir: dist });
    const page = await handler(event("GET", "/"));
    expect(page).toMatchObject({ statusCode: 200, body: "<!doctype html><title>slabridge dashboard</title>" });
    expect(page.headers?.["Content-Type"]).toBe("text/html; charset=utf-8");
    const script = await handler(event("GET", "/assets/main-AB12.js"));
    expect(script.statusCode).toBe(200);
    expect(script.headers?.["Content-Type"]).toBe("text/javascript; charset=utf-8");
    const health = await handler(event("GET", "/health"));
    expect(health.statusCode).toBe(200);
    expect(JSON.parse(String(health.body)).status).toBe("ok");
    const unknown = await handler(event("GET", "/nothing"));
    expect(JSON.parse(String(unknown.body)).error.kind).toBe("route");
  });

  it("answers 503 saying to run npm run build when the page was never built, and the API keeps working", async () => {
    const handler = createStatusHandler(async () => world(), { dashboardDir: path.join(dist, "never-built") });
    const page = await handler(event("GET", "/"));
    expect(page.statusCode).toBe(503);
    expect(page.body).toContain("npm run build");
    expect((await handler(event("GET", "/health"))).statusCode).toBe(200);
  });
});

describe("the evidence bundle of an epoch", () => {
  /** The built world's readers, with a fake home chain (verdict recorded) in place of the dead RPC's. */
  function withHome(built: StatusWorld, extra: Partial<HomeChainStatusReader> = {}): StatusWorld {
    const hash = (byte: string): `0x${string}` => `0x${byte.repeat(32)}`;
    const home: HomeChainStatusReader = {
      latestTimestamp: async () => 1_700_000_095n,
      currentEpoch: async () => 9n,
      host: async () => ({ endpoint: "http://127.0.0.1:9001", signer: address(11) }),
      epochWindow: async (_modelId, epoch) => ({
        startsAt: 1_700_000_000n + 10n * epoch,
        endsAt: 1_700_000_010n + 10n * epoch,
      }),
      slaTerms: async () => ({
        maxP95LatencyMs: 500,
        minUptimeBps: 9_900,
        probeTimeoutMs: 2_000,
        latencyBreachRefundBps: 2_500,
        tiers: [],
      }),
      verdict: async () => ({
        refundBps: 0,
        reportHash: hash("aa"),
        samplesRoot: hash("bb"),
        recordedAt: 1_700_000_100n,
        report: {
          p50Ms: 100,
          p95Ms: 200,
          p99Ms: 300,
          uptimeBps: 10_000,
          sampleCount: 40,
          receiptCount: 0,
          receiptsRoot: `0x${"00".repeat(32)}`,
        },
        transaction: { chainId: 31_338, hash: hash("cc"), blockNumber: 120n },
        signatures: null,
      }),
      messagesSent: async () => [],
      ...extra,
    };
    return { ...built, chains: [{ chainId: 31_338, name: "evm-b", home }] };
  }

  it("shows the evaluator's published bundle of (model, epoch) as evidence.bundle, and none for an epoch without one", async () => {
    const blobs = new MemoryBlobStore();
    const bundle = await blobs.put(encodeEvidenceBundle({ chainId: 31_338, verifier: address(13) }, 1n, 7n, []));
    await blobs.link(evidenceName(1n, 7n), bundle);
    const m = manifest();
    const built = buildStatusWorld({
      manifest: m,
      config: stageConfig(),
      stores: { jobs: new MemoryJobStore({ clock: { now: () => NOW } }), payments: new MemoryPaymentStore() },
      rpcUrls: new Map(evmChainsOf(m).map((chain) => [chain.chainId, manifestRpcUrlOf(chain)])),
      clock: { now: () => NOW },
      evidence: blobs,
    });
    const epoch = await call(withHome(built), "GET", "/models/1/epochs/7");
    expect(epoch.status).toBe(200);
    expect(epoch.body.evidence).toEqual({ bundle });
    const other = await call(withHome(built), "GET", "/models/1/epochs/6");
    expect(other.status).toBe(200);
    expect(other.body.evidence).toBeNull();
  });

  it("serves a bundle's bytes exactly as stored at /evidence/<address>: 404 when absent, 400 for a malformed address", async () => {
    const blobs = new MemoryBlobStore();
    const bytes = encodeEvidenceBundle({ chainId: 31_338, verifier: address(13) }, 1n, 7n, []);
    const bundle = await blobs.put(bytes);
    const m = manifest();
    const built = buildStatusWorld({
      manifest: m,
      config: stageConfig(),
      stores: { jobs: new MemoryJobStore({ clock: { now: () => NOW } }), payments: new MemoryPaymentStore() },
      rpcUrls: new Map(evmChainsOf(m).map((chain) => [chain.chainId, manifestRpcUrlOf(chain)])),
      clock: { now: () => NOW },
      evidence: blobs,
    });
    const handler = createStatusHandler(async () => built);
    const served = await handler(event("GET", `/evidence/${bundle.toUpperCase().replace("0X", "0x")}`));
    expect(served).toMatchObject({
      statusCode: 200,
      isBase64Encoded: true,
      headers: { "Content-Type": "application/json" },
    });
    expect(new Uint8Array(Buffer.from(String(served.body), "base64"))).toEqual(bytes);
    // A store whose blob was altered serves the altered bytes: the reader's hash check is what catches it.
    const altered = new TextEncoder().encode(new TextDecoder().decode(bytes).replace('"epoch":"7"', '"epoch":"8"'));
    blobs.tamper(bundle, altered);
    const tampered = await handler(event("GET", `/evidence/${bundle}`));
    expect(new Uint8Array(Buffer.from(String(tampered.body), "base64"))).toEqual(altered);

    const absent = await call(built, "GET", `/evidence/0x${"ab".repeat(32)}`);
    expect(absent.status).toBe(404);
    expect(absent.body).toMatchObject({ error: { name: "StatusNotFoundError", kind: "evidence" } });
    for (const bad of ["0x1234", `${"ab".repeat(32)}`, `0x${"zz".repeat(32)}`]) {
      const invalid = await call(built, "GET", `/evidence/${bad}`);
      expect(invalid.status).toBe(400);
      expect(invalid.body.error.issues[0]).toMatch(/^address: address must be 0x and 32 bytes of hex/);
    }
    expect((await call(built, "POST", `/evidence/${bundle}`)).status).toBe(405);
    // A world without an evidence store has none to serve.
    const none = await call(world(), "GET", `/evidence/${bundle}`);
    expect(none.status).toBe(404);
  });

  it("shows the host's bond: what is left, the epoch's slash and each payment chain's top-up; null without bonds", async () => {
    const m = manifest();
    const built = buildStatusWorld({
      manifest: m,
      config: stageConfig(),
      stores: { jobs: new MemoryJobStore({ clock: { now: () => NOW } }), payments: new MemoryPaymentStore() },
      rpcUrls: new Map(evmChainsOf(m).map((chain) => [chain.chainId, manifestRpcUrlOf(chain)])),
      clock: { now: () => NOW },
    });
    const asked: number[][] = [];
    const bonded = withHome(built, {
      bond: async (_modelId, _epoch, chainIds) => {
        asked.push([...chainIds]);
        return {
          amount: 450_000n,
          unlockEpoch: 0n,
          settled: true,
          slashed: 50_000n,
          topUps: [{ chainId: 31_337, amount: 50_000n }],
        };
      },
    });
    const epoch = await call(bonded, "GET", "/models/1/epochs/7");
    expect(epoch.status).toBe(200);
    expect(epoch.body.bond).toEqual({
      amount: "450000",
      unlockEpoch: "0",
      settled: true,
      slashed: "50000",
      topUps: [{ chainId: 31_337, amount: "50000" }],
    });
    expect(asked).toEqual([[]]); // this fake world has no payment chain readers
    const unbonded = await call(withHome(built), "GET", "/models/1/epochs/7");
    expect(unbonded.body.bond).toBeNull();
  });
});
