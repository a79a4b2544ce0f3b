import { PassThrough, Writable } from "node:stream";
import { type DeploymentManifest, parseStageConfig, type StageConfigInput } from "@slabridge/core";
import { type LocalDynamo, startLocalDynamo } from "@slabridge/devnet";
import type { Gateway } from "@slabridge/gateway";
import {
  DynamoChannelRecordStore,
  DynamoNonceStore,
  DynamoRateLimiter,
  DynamoUsageReceiptStore,
  DynamoVoucherCheckpointStore,
} from "@slabridge/store";
import { generatePrivateKey } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { buildGatewayService } from "./context/gateway/buildGatewayService.ts";
import { createGatewayHandler, type HttpResponseStreamFactory, type ResponseStreamMetadata } from "./gateway.ts";

const address = (n: number): `0x${string}` => `0x${n.toString(16).padStart(40, "0")}`;
/** Nothing listens on port 9 of loopback: the tests never reach a chain or a host. */
const DEAD = "http://127.0.0.1:9";
const RECEIVER = "0x00000000000000000000000000000000000000A1";

function manifest(): DeploymentManifest {
  const anvil = (index: number) => ({ kind: "anvil-dev-account" as const, index, address: address(100 + index) });
  return {
    version: 1,
    network: "devnet",
    createdAt: new Date(0).toISOString(),
    homeChainId: 31_337,
    chains: [
      {
        family: "evm",
        name: "evm-a",
        chainId: 31_337,
        rpcUrl: DEAD,
        confirmations: 1,
        layerZero: { eid: 40_000, endpointV2: address(1), sendUln302: address(2), receiveUln302: address(3) },
        wormhole: { chainId: 10_002, core: address(4) },
        stablecoin: { address: address(5), decimals: 6, symbol: "dUSDC" },
        contracts: {
          modelRegistry: address(6),
          slaOracle: address(7),
          revenueLedger: address(8),
          layerZeroMessenger: address(10),
          wormholeMessenger: address(11),
        },
      },
    ],
    guardian: { apiUrl: "http://127.0.0.1:7071", guardianSetIndex: 0 },
    dynamo: { region: "us-east-1", tables: {} },
    hosts: [],
    models: [
      {
        modelId: "2",
        homeChainId: 31_337,
        genesis: 0,
        epochSeconds: 3_600,
        hostName: "h1",
        hostUrl: DEAD,
        pricePerRequest: "1",
      },
    ],
    keys: {
      deployer: anvil(0),
      layerZeroDvn: anvil(1),
      layerZeroExecutor: anvil(2),
      wormholeGuardian: { kind: "wormhole-sdk-devnet-guardian", address: address(12) },
      probers: [anvil(3)],
      proberThreshold: 1,
      demoBuyers: [],
    },
  };
}

function config(withGateway: boolean): StageConfigInput {
  return {
    stage: "test",
    chains: [{ chainId: 31_337, name: "evm-a", family: "evm", rpcUrl: { url: DEAD }, confirmations: 1 }],
    routes: [],
    batching: {},
    retry: { tiersMs: [1_000], maxAttempts: 3, jitter: 0 },
    watch: { pollIntervalSeconds: 1 },
    ...(withGateway
      ? {
          gateway: {
            facilitatorKey: { kind: "anvil-dev-account", index: 9, address: address(109) },
            models: {
              llama: {
                modelId: "2",
                chainId: 31_337,
                model: "llama-demo",
                hostUrl: DEAD,
                receiver: RECEIVER,
                asset: { name: "Devnet USD Coin", version: "2" },
                price: { perInputToken: "3", perOutputToken: "7", ceiling: "5000" },
                rateLimit: { burst: 5, perSecond: 1 },
              },
            },
          },
        }
      : {}),
  };
}

/** A function URL event (payload 2.0) as Lambda delivers it. */
function event(method: string, rawPath: string, fields: Record<string, unknown> = {}) {
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath,
    rawQueryString: "",
    headers: { host: "abc.lambda-url.us-east-1.on.aws", "content-type": "application/json" },
    requestContext: {
      domainName: "abc.lambda-url.us-east-1.on.aws",
      http: { method, path: rawPath, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "test" },
    },
    isBase64Encoded: false,
    ...fields,
  };
}

describe("the gateway Lambda handler (function URL events, local DynamoDB, no network but loopback)", () => {
  let dynamo: LocalDynamo;
  let heads: ResponseStreamMetadata[];
  const handlerFor = (service: () => Promise<Gateway>) =>
    createGatewayHandler(service, {
      from: (stream, metadata) => {
        heads.push(metadata);
        return stream;
      },
    });
  let handle: (event: unknown, stream: Writable) => Promise<void>;

  beforeAll(async () => {
    dynamo = await startLocalDynamo({ tablePrefix: "gateway-fn-" });
    const client = dynamo.client();
    const service = buildGatewayService({
      config: parseStageConfig(config(true)),
      manifest: manifest(),
      stores: {
        channels: new DynamoChannelRecordStore({ client, tableName: dynamo.tableNames.channels }),
        checkpoints: new DynamoVoucherCheckpointStore({ client, tableName: dynamo.tableNames.voucherCheckpoints }),
        usageReceipts: new DynamoUsageReceiptStore({ client, tableName: dynamo.tableNames.usageReceipts }),
        rateLimits: new DynamoRateLimiter({ client, tableName: dynamo.tableNames.rateLimits }),
        nonces: new DynamoNonceStore({ client, tableName: dynamo.tableNames.nonces }),
      },
      receiptKey: generatePrivateKey(),
      rpcUrls: new Map([[31_337, DEAD]]),
    });
    handle = handlerFor(() => service);
  });

  afterAll(async () => {
    await dynamo?.close();
  });

  const run = async (input: unknown) => {
    heads = [];
    const stream = new PassThrough();
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    await handle(input, stream);
    const [head, ...more] = heads;
    expect(more).toEqual([]);
    if (head === undefined) throw new Error("no response head");
    const body = Buffer.concat(chunks).toString("utf8");
    return { head, body };
  };

  it("answers an unpaid model call with the 402: the SlaReceiver as payTo and receiverAuthorizer, the chain's stablecoin", async () => {
    const { head, body } = await run(
      event("POST", "/models/llama/v1/chat/completions", { body: JSON.stringify({ messages: [] }) }),
    );
    expect(head.statusCode).toBe(402);
    const required = JSON.parse(Buffer.from(head.headers["payment-required"] ?? "", "base64").toString("utf8"));
    expect(required.accepts[0]).toMatchObject({
      scheme: "batch-settlement",
      network: "eip155:31337",
      amount: "5000",
      asset: "0x0000000000000000000000000000000000000005",
      payTo: RECEIVER,
      extra: { receiverAuthorizer: RECEIVER, name: "Devnet USD Coin", version: "2" },
    });
    expect(body).toBe("{}");
  });

  it("serves the facilitator at /facilitator: supported kinds, and a base64 body decoded (bad JSON: 400)", async () => {
    const supported = await run(event("GET", "/facilitator/supported"));
    expect(supported.head.statusCode).toBe(200);
    expect(JSON.parse(supported.body)).toMatchObject({
      kinds: [{ x402Version: 2, scheme: "batch-settlement", network: "eip155:31337" }],
      signers: { "eip155:*": [address(109)] },
    });
    const badJson = await run(
      event("POST", "/facilitator/verify", {
        body: Buffer.from("{not json").toString("base64"),
        isBase64Encoded: true,
      }),
    );
    expect(badJson.head.statusCode).toBe(400);
    expect(JSON.parse(badJson.body)).toMatchObject({ error: "invalid_json" });
  });

  it("keeps the query string and method: an unknown model is 404, a PUT on a model 405, a GET the refund probe's 402", async () => {
    const unknown = await run(event("POST", "/models/nope/v1", { rawQueryString: "a=1" }));
    expect(unknown.head).toMatchObject({ statusCode: 404, headers: { "content-type": "application/json" } });
    expect(JSON.parse(unknown.body)).toMatchObject({ error: "unknown_model" });
    expect((await run(event("PUT", "/models/llama/v1"))).head.statusCode).toBe(405);
    // The SDK client's cooperative refund probes with a GET and reads the 402's requirements.
    expect((await run(event("GET", "/models/llama/v1"))).head.statusCode).toBe(402);
  });

  it("answers an event that is not a request with 400, and a service that failed to build with 500", async () => {
    const notRequest = await run({ Records: [] });
    expect(notRequest.head.statusCode).toBe(400);
    expect(JSON.parse(notRequest.body)).toMatchObject({ error: "invalid_event" });
    const broken = handlerFor(() => Promise.reject(new Error("cold start failed at http://127.0.0.1:9/key123")));
    heads = [];
    const stream = new PassThrough();
    stream.resume();
    await broken(event("GET", "/facilitator/supported"), stream);
    expect(heads[0]?.statusCode).toBe(500);
  });

  it("without a gateway section sells nothing (503 gateway_not_configured) and serves an empty facilitator", async () => {
    const client = dynamo.client();
    const bare = buildGatewayService({
      config: parseStageConfig(config(false)),
      manifest: manifest(),
      stores: {
        channels: new DynamoChannelRecordStore({ client, tableName: dynamo.tableNames.channels }),
        checkpoints: new DynamoVoucherCheckpointStore({ client, tableName: dynamo.tableNames.voucherCheckpoints }),
        usageReceipts: new DynamoUsageReceiptStore({ client, tableName: dynamo.tableNames.usageReceipts }),
        rateLimits: new DynamoRateLimiter({ client, tableName: dynamo.tableNames.rateLimits }),
        nonces: new DynamoNonceStore({ client, tableName: dynamo.tableNames.nonces }),
      },
      receiptKey: generatePrivateKey(),
      rpcUrls: new Map([[31_337, DEAD]]),
    });
    const previous = handle;
    handle = handlerFor(() => bare);
    try {
      const model = await run(event("POST", "/models/llama/v1", { body: "{}" }));
      expect(model.head.statusCode).toBe(503);
      expect(JSON.parse(model.body)).toMatchObject({ error: "gateway_not_configured" });
      const supported = await run(event("GET", "/facilitator/supported"));
      expect(JSON.parse(supported.body)).toMatchObject({ kinds: [] });
    } finally {
      handle = previous;
    }
  });

  it("refuses a receipt key that is not a 32-byte hex key, without echoing it", async () => {
    const error = await buildGatewayService({
      config: parseStageConfig(config(true)),
      manifest: manifest(),
      stores: {
        channels: new DynamoChannelRecordStore({ client: dynamo.client(), tableName: dynamo.tableNames.channels }),
        checkpoints: new DynamoVoucherCheckpointStore({
          client: dynamo.client(),
          tableName: dynamo.tableNames.voucherCheckpoints,
        }),
        usageReceipts: new DynamoUsageReceiptStore({
          client: dynamo.client(),
          tableName: dynamo.tableNames.usageReceipts,
        }),
        rateLimits: new DynamoRateLimiter({ client: dynamo.client(), tableName: dynamo.tableNames.rateLimits }),
        nonces: new DynamoNonceStore({ client: dynamo.client(), tableName: dynamo.tableNames.nonces }),
      },
      receiptKey: "not-a-key-secret-value",
      rpcUrls: new Map(),
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "MissingLinkError" });
    expect(String(error)).not.toContain("not-a-key-secret-value");
  });
});

/**
 * The Lambda runtime's response stream as `awslambda.streamifyResponse` hands it to a handler, and its
 * `awslambda.HttpResponseStream.from` (aws-lambda-nodejs-runtime-interface-client): `from` sets the integration
 * content type and, before the first write, writes the JSON prelude and 8 NUL bytes; then the body follows.
 */
class RuntimeResponseStream extends Writable {
  contentType: string | undefined;
  onBeforeFirstWrite: ((write: (bytes: string | Uint8Array) => void) => void) | undefined;
  readonly written: Buffer[] = [];

  setContentType(contentType: string) {
    this.contentType = contentType;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void) {
    const hook = this.onBeforeFirstWrite;
    this.onBeforeFirstWrite = undefined;
    hook?.((bytes) => this.written.push(Buffer.from(bytes)));
    this.written.push(chunk);
    callback();
  }
}

const runtimeHttpResponseStream: HttpResponseStreamFactory = {
  from: (stream, metadata) => {
    if (!(stream instanceof RuntimeResponseStream)) throw new Error("not the runtime's response stream");
    stream.setContentType("application/vnd.awslambda.http-integration-response");
    stream.onBeforeFirstWrite = (write) => {
      write(JSON.stringify(metadata));
      write(new Uint8Array(8));
    };
    return stream;
  },
};

describe("the gateway Lambda handler streams a response as the runtime's response stream takes it", () => {
  it("writes the head, then each body chunk as the gateway yields it, before the body has ended", async () => {
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let lastSent = false;
    const encoder = new TextEncoder();
    const gateway: Gateway = {
      handle: async () =>
        new Response(
          new ReadableStream<Uint8Array>({
            async start(controller) {
              controller.enqueue(encoder.encode('data: {"n":1}\n\n'));
              await released;
              controller.enqueue(encoder.encode("data: [DONE]\n\n"));
              lastSent = true;
              controller.close();
            },
          }),
          { status: 200, headers: { "content-type": "text/event-stream" } },
        ),
    };
    const stream = new RuntimeResponseStream();
    const handled = createGatewayHandler(async () => gateway, runtimeHttpResponseStream)(
      event("POST", "/models/llama/v1/chat/completions", { body: JSON.stringify({ stream: true }) }),
      stream,
    );
    await vi.waitFor(() => expect(stream.written.length).toBe(3), { timeout: 5_000 });
    expect(lastSent).toBe(false);
    const [prelude, delimiter, first] = stream.written;
    expect(stream.contentType).toBe("application/vnd.awslambda.http-integration-response");
    expect(JSON.parse(prelude?.toString("utf8") ?? "")).toEqual({
      statusCode: 200,
      headers: { "content-type": "text/event-stream" },
    });
    expect(delimiter).toEqual(Buffer.alloc(8));
    expect(first?.toString("utf8")).toBe('data: {"n":1}\n\n');

    release();
    await handled;
    expect(stream.written.slice(3).map((chunk) => chunk.toString("utf8"))).toEqual(["data: [DONE]\n\n"]);
    expect(stream.writableFinished).toBe(true);
  });

  it("cancels the gateway's body when the runtime's stream closes mid-body (the buyer went away)", async () => {
    let cancelled = false;
    const gateway: Gateway = {
      handle: async () =>
        new Response(
          new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(new TextEncoder().encode("data: 1\n\n"));
            },
            cancel() {
              cancelled = true;
            },
          }),
          { status: 200, headers: { "content-type": "text/event-stream" } },
        ),
    };
    const stream = new RuntimeResponseStream();
    const handled = createGatewayHandler(async () => gateway, runtimeHttpResponseStream)(
      event("POST", "/models/llama/v1/chat/completions", { body: "{}" }),
      stream,
    );
    await vi.waitFor(() => expect(stream.written.length).toBe(3), { timeout: 5_000 });
    stream.destroy();
    await vi.waitFor(() => expect(cancelled).toBe(true), { timeout: 5_000 });
    await handled.catch(() => undefined);
  });
});
