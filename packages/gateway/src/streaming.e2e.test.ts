import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { MemoryUsageReceiptStore, MemoryVoucherCheckpointStore, STREAM_PAYMENT_EVENT } from "@slabridge/core";
import {
  type AnvilInstance,
  createDevnetClients,
  type DemoHost,
  type DevnetClients,
  deployDevnetStablecoin,
  devnetFacilitatorSigner,
  placeX402StandIn,
  type StablecoinDeployment,
  startAnvil,
  startDemoHost,
} from "@slabridge/devnet";
import { x402Facilitator } from "@x402/core/facilitator";
import { decodePaymentRequiredHeader, decodePaymentResponseHeader } from "@x402/core/http";
import { toClientEvmSigner } from "@x402/evm";
import { BatchSettlementEvmScheme as BatchSettlementClient, computeChannelId } from "@x402/evm/batch-settlement/client";
import { BatchSettlementEvmScheme as BatchSettlementFacilitator } from "@x402/evm/batch-settlement/facilitator";
import type { ChannelStorage } from "@x402/evm/batch-settlement/server";
import { wrapFetchWithPayment, x402Client } from "@x402/fetch";
import type { Hex, LocalAccount } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { MemoryChannelRecordStore } from "./channels/MemoryChannelRecordStore.ts";
import { VersionedChannelStorage } from "./channels/VersionedChannelStorage.ts";
import type { GatewayEvmModelInput } from "./config/GatewayModel.ts";
import { createGateway } from "./createGateway.ts";
import { localFacilitatorClient } from "./http/localFacilitatorClient.ts";
import { type SseEvent, SseSplitter } from "./http/sse.ts";
import { type LoopbackServer, serveOnLoopback } from "./node/serveOnLoopback.ts";
import { USAGE_RECEIPT_HEADER, verifyUsageReceipt } from "./receipts/usageReceipt.ts";

const CHAIN_ID = 31_337;
const NETWORK = `eip155:${CHAIN_ID}` as const;
const CEILING = 5_000n;
const PRICE = { perInputToken: 3n, perOutputToken: 7n, ceiling: CEILING };
const MINTED = 10_000_000n;
const MESSAGES = [{ role: "user", content: "what is an SLA" }];
const chatBody = (stream: boolean) => JSON.stringify({ model: "llama-demo", messages: MESSAGES, stream });

/** The usage the scripted hosts report (and the paced host's answer, token by token). */
const SCRIPTED_USAGE = { prompt_tokens: 11, completion_tokens: 3 };
const TOKENS = ["An", " SLA", " promises."];
const chunk = (content: string) =>
  `data: ${JSON.stringify({ object: "chat.completion.chunk", choices: [{ index: 0, delta: { content } }] })}\n\n`;
const usageChunk = `data: ${JSON.stringify({ object: "chat.completion.chunk", choices: [], usage: SCRIPTED_USAGE })}\n\n`;

const paymentEventSchema = z.object({
  object: z.literal(STREAM_PAYMENT_EVENT),
  choices: z.array(z.unknown()).length(0),
  payment_response: z.string(),
  usage_receipt: z.string(),
});
const errorEventSchema = z.object({
  choices: z.array(z.unknown()).length(0),
  error: z.object({ type: z.string(), code: z.string(), message: z.string() }),
  usage_receipt: z.string(),
});

/** A scripted SSE host on loopback: `script` writes the answer; the request body it received is kept. */
async function scriptedHost(script: (res: ServerResponse, req: IncomingMessage) => Promise<void> | void) {
  const bodies: unknown[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (part: Buffer) => chunks.push(part));
    req.on("end", () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString("utf8")));
      void Promise.resolve(script(res, req)).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    bodies,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A gate a scripted host waits at, opened by the test. */
function gate() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/** Reads a buyer's stream event by event. */
function eventReader(response: Response) {
  const body = response.body;
  if (body === null) throw new Error("no body");
  const reader = body.getReader();
  const splitter = new SseSplitter();
  const queued: SseEvent[] = [];
  return {
    /** The next event, or undefined at the end of the stream. */
    next: async (): Promise<SseEvent | undefined> => {
      while (queued.length === 0) {
        const { done, value } = await reader.read();
        if (done) return undefined;
        queued.push(...splitter.push(value));
      }
      return queued.shift();
    },
    rest: async (): Promise<SseEvent[]> => {
      const events = [...queued.splice(0)];
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return events;
        events.push(...splitter.push(value));
      }
    },
    cancel: () => reader.cancel(),
  };
}

/**
 * Streamed calls through the gateway on a loopback anvil with the x402 stand-in, paid by the stock `@x402/fetch`
 * client, as an outside buyer would pay: the events reach the buyer as the host sends them, the charge is the
 * stream's usage, settled in the last event, and the same stock client keeps paying afterwards.
 */
describe("gateway: streamed calls (stream: true, server-sent events)", () => {
  let anvil: AnvilInstance;
  let clients: DevnetClients;
  let token: StablecoinDeployment;
  let demo: DemoHost;
  let server: LoopbackServer;
  let storage: VersionedChannelStorage;
  const hosts: { close(): Promise<void> }[] = [];
  const checkpoints = new MemoryVoucherCheckpointStore();
  const usageReceipts = new MemoryUsageReceiptStore();
  const gatewayKey = privateKeyToAccount(generatePrivateKey());
  const receiverAuthorizer = privateKeyToAccount(generatePrivateKey());
  const buyers = Array.from({ length: 8 }, () => privateKeyToAccount(generatePrivateKey()));
  const receivers = Object.fromEntries(
    ["paced", "demo", "dies", "silent", "nousage", "stalls"].map((key) => [
      key,
      privateKeyToAccount(generatePrivateKey()).address,
    ]),
  );
  /** The paced host sends its first token, then waits at this gate before the rest. */
  let pacedGate = gate();
  let pacedSentLast = false;
  let pacedHostGone = false;
  let pacedBodies: unknown[] = [];
  /** When set, the next write that records a charge throws (a crash between serving and recording). */
  let crashNextCharge = false;
  /** Every PAYMENT-SIGNATURE the stock clients sent, in order. */
  const signatures: string[] = [];

  beforeAll(async () => {
    anvil = await startAnvil({ chainId: CHAIN_ID });
    clients = createDevnetClients({ rpcUrl: anvil.rpcUrl, chainId: CHAIN_ID });
    const [deployer, relayer] = await clients.accounts();
    if (deployer === undefined || relayer === undefined) throw new Error("anvil has too few accounts");
    token = await deployDevnetStablecoin({
      clients,
      deployer,
      fund: buyers.map((buyer) => buyer.address),
      mintAmount: MINTED,
    });
    await placeX402StandIn(clients);

    demo = await startDemoHost({ name: "h1", model: "llama-demo", latency: { baseMs: 1 }, failureRate: 0 });
    hosts.push(demo);
    const paced = await scriptedHost(async (res) => {
      res.on("close", () => {
        if (!pacedSentLast) pacedHostGone = true;
      });
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(chunk(TOKENS[0] ?? ""));
      await pacedGate.opened;
      if (res.destroyed) return;
      for (const token of TOKENS.slice(1)) res.write(chunk(token));
      res.write(usageChunk);
      pacedSentLast = true;
      res.end("data: [DONE]\n\n");
    });
    pacedBodies = paced.bodies;
    const dies = await scriptedHost((res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(chunk(TOKENS[0] ?? ""));
      res.write(chunk(TOKENS[1] ?? ""), () => setTimeout(() => res.socket?.destroy(), 20));
    });
    const silent = await scriptedHost((res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.flushHeaders();
      setTimeout(() => res.socket?.destroy(), 20);
    });
    // Ignores stream_options.include_usage: no usage chunk.
    const nousage = await scriptedHost((res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end(`: keep-alive\n\n${TOKENS.map(chunk).join("")}data: [DONE]\n\n`);
    });
    // Sends its first token, then nothing: the call's deadline runs out mid-stream.
    const stalls = await scriptedHost((res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(chunk(TOKENS[0] ?? ""));
    });
    hosts.push(paced, dies, silent, nousage, stalls);

    const facilitator = localFacilitatorClient(
      new x402Facilitator().register(
        NETWORK,
        new BatchSettlementFacilitator(devnetFacilitatorSigner(clients, relayer), receiverAuthorizer),
      ),
    );
    storage = new VersionedChannelStorage(new MemoryChannelRecordStore());
    const inner = storage;
    const crashable: ChannelStorage = {
      get: (id) => inner.get(id),
      list: () => inner.list(),
      updateChannel: (id, update) =>
        inner.updateChannel(id, (current) => {
          const next = update(current);
          if (crashNextCharge && current && next && next.chargedCumulativeAmount !== current.chargedCumulativeAmount) {
            crashNextCharge = false;
            throw new Error("simulated crash between serving the call and recording its charge");
          }
          return next;
        }),
    };
    const model = (key: string, hostUrl: string, hostTimeoutMs = 5_000): GatewayEvmModelInput => ({
      key,
      model: "llama-demo",
      modelId: 2n,
      network: NETWORK,
      asset: token.address,
      assetName: token.name,
      assetVersion: "2",
      payTo: receivers[key] ?? "",
      hostUrl,
      hostTimeoutMs,
      price: PRICE,
      sla: { p95LatencyMs: 500, uptimeBps: 9_900, refundTiers: [{ breachBps: 0, refundBps: 2_500 }] },
      clock: { genesis: 0n, epochSeconds: 3_600n },
      rateLimit: { burst: 50, perSecond: 50 },
    });
    const gateway = await createGateway({
      models: [
        model("paced", paced.url),
        model("demo", demo.url),
        model("dies", dies.url),
        model("silent", silent.url),
        model("nousage", nousage.url),
        model("stalls", stalls.url, 300),
      ],
      facilitator,
      storage: crashable,
      checkpoints,
      usageReceipts,
      receiptSigner: gatewayKey,
    });
    server = await serveOnLoopback(gateway.handle);
  });

  afterAll(async () => {
    pacedGate.open();
    await server?.close();
    await Promise.all(hosts.map((host) => host.close()));
    await anvil?.stop();
  });

  const url = (key: string) => `${server.url}/models/${key}/v1/chat/completions`;
  const payingFetch = (buyer: LocalAccount) => {
    const client = new x402Client().register(
      NETWORK,
      new BatchSettlementClient(toClientEvmSigner(buyer, clients.publicClient)),
    );
    client.setSpendControls(false); // the devnet stablecoin is not one of the SDK's default assets
    const recording: typeof fetch = async (input, init) => {
      const request = new Request(input, init);
      const signature = request.headers.get("payment-signature");
      if (signature !== null) signatures.push(signature);
      return fetch(request);
    };
    return wrapFetchWithPayment(recording, client);
  };
  const call = (pay: typeof fetch, key: string, stream: boolean) =>
    pay(url(key), { method: "POST", headers: { "content-type": "application/json" }, body: chatBody(stream) });
  const channelOf = async (buyer: LocalAccount, key: string): Promise<Hex> => {
    const response = await fetch(url(key), { method: "POST", body: chatBody(false) });
    const [accept] = decodePaymentRequiredHeader(response.headers.get("payment-required") ?? "").accepts;
    if (accept === undefined) throw new Error("no accepts in the 402");
    const scheme = new BatchSettlementClient(toClientEvmSigner(buyer, clients.publicClient));
    return computeChannelId(scheme.buildChannelConfig(accept), NETWORK);
  };
  const chargedOn = async (channel: string) => BigInt((await storage.get(channel))?.chargedCumulativeAmount ?? "0");
  const chargeOf = (usage: { prompt_tokens: number; completion_tokens: number }) =>
    BigInt(usage.prompt_tokens) * PRICE.perInputToken + BigInt(usage.completion_tokens) * PRICE.perOutputToken;
  const verify = (receipt: string) => verifyUsageReceipt(receipt, { gateway: gatewayKey.address, chainId: CHAIN_ID });
  /** The payment event's settlement and receipt, checked against each other. */
  const paymentOf = async (event: SseEvent | undefined) => {
    expect(event?.event).toBe(STREAM_PAYMENT_EVENT);
    const payment = paymentEventSchema.parse(JSON.parse(event?.data ?? ""));
    const settled = decodePaymentResponseHeader(payment.payment_response);
    expect(settled.success).toBe(true);
    const receipt = await verify(payment.usage_receipt);
    expect(settled.extra).toMatchObject({
      chargedAmount: receipt.charge.toString(),
      channelState: { chargedCumulativeAmount: receipt.cumulative.toString() },
    });
    return receipt;
  };
  const contentOf = (events: readonly SseEvent[]) =>
    events
      .filter((event) => event.event === undefined && event.data.startsWith("{"))
      .map((event) => JSON.parse(event.data).choices?.[0]?.delta?.content ?? "")
      .join("");

  it("relays the host's events as they arrive: the buyer reads the first token before the host has sent the last", async () => {
    const buyer = buyers[0] as LocalAccount;
    const channel = await channelOf(buyer, "paced");
    const response = await call(payingFetch(buyer), "paced", true);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    // Nothing is settled when the head leaves: the settlement comes in the stream.
    expect(response.headers.get("payment-response")).toBeNull();
    const events = eventReader(response);
    const first = await events.next();
    expect(first?.data).toBe(chunk(TOKENS[0] ?? "").slice("data: ".length, -2));
    expect(pacedSentLast).toBe(false);
    // The reservation holds the channel until the stream ends: nothing is charged yet.
    expect(await chargedOn(channel)).toBe(0n);
    expect((await storage.get(channel))?.pendingRequest).toBeDefined();

    await new Promise((resolve) => setTimeout(resolve, 150));
    pacedGate.open();
    const rest = await events.rest();
    expect(pacedSentLast).toBe(true);
    expect(contentOf([first as SseEvent, ...rest])).toBe(TOKENS.join(""));
    // The usage chunk, then the payment event, then [DONE], last.
    expect(rest.map((event) => event.event ?? event.data.slice(0, 8))).toEqual([
      '{"object',
      '{"object',
      '{"object',
      STREAM_PAYMENT_EVENT,
      "[DONE]",
    ]);
    const receipt = await paymentOf(rest.at(-2));
    const charge = chargeOf(SCRIPTED_USAGE);
    expect(receipt).toMatchObject({
      channelId: channel,
      served: true,
      inputTokens: 11n,
      outputTokens: 3n,
      charge,
      cumulative: charge,
    });
    expect(receipt.ttfbMs).toBeLessThan(150);
    expect(receipt.latencyMs).toBeGreaterThanOrEqual(150);
    expect(await chargedOn(channel)).toBe(charge);
    expect((await storage.get(channel))?.pendingRequest).toBeUndefined();
    expect((await checkpoints.list(CHAIN_ID, receivers.paced ?? "", receipt.epoch))[0]?.totalClaimed).toBe(charge);
    expect((await usageReceipts.listEpoch(2n, receipt.epoch)).map((kept) => kept.receipt)).toContainEqual(receipt);
    // The host was asked for the usage it is charged by; the buyer's own body is what the receipt hashes.
    expect(pacedBodies.at(-1)).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it("keeps a stock client paying across stream, non-stream and stream calls: each charged its usage, never more", async () => {
    const buyer = buyers[1] as LocalAccount;
    const channel = await channelOf(buyer, "demo");
    const pay = payingFetch(buyer);
    const whole = z
      .object({
        choices: z.tuple([z.object({ message: z.object({ content: z.string() }) })]),
        usage: z.object({ prompt_tokens: z.number(), completion_tokens: z.number() }),
      })
      .parse(await (await fetch(`${demo.url}/v1/chat/completions`, { method: "POST", body: chatBody(false) })).json());
    const perCall = chargeOf(whole.usage);

    const first = await call(pay, "demo", true);
    const firstEvents = await eventReader(first).rest();
    expect(contentOf(firstEvents)).toBe(whole.choices[0].message.content);
    expect(await paymentOf(firstEvents.at(-2))).toMatchObject({ charge: perCall, cumulative: perCall });
    expect(await chargedOn(channel)).toBe(perCall);

    // The stock client learns a streamed charge from the channel's corrective 402 (the binding's resync): one extra
    // round trip, then the voucher is exactly the recorded cumulative plus the ceiling.
    const sentBefore = signatures.length;
    const second = await call(pay, "demo", false);
    expect(second.status).toBe(200);
    expect(signatures.length - sentBefore).toBe(2);
    const settled = decodePaymentResponseHeader(second.headers.get("payment-response") ?? "");
    expect(settled.extra).toMatchObject({
      chargedAmount: perCall.toString(),
      channelState: { chargedCumulativeAmount: (2n * perCall).toString() },
    });
    expect((await verify(second.headers.get(USAGE_RECEIPT_HEADER) ?? "")).cumulative).toBe(2n * perCall);

    const third = await call(pay, "demo", true);
    expect(third.status).toBe(200);
    const thirdEvents = await eventReader(third).rest();
    expect(await paymentOf(thirdEvents.at(-2))).toMatchObject({ charge: perCall, cumulative: 3n * perCall });
    expect(thirdEvents.at(-1)?.data).toBe("[DONE]");
    expect(await chargedOn(channel)).toBe(3n * perCall);
    expect(3n * perCall).toBeLessThan(CEILING); // each call below the ceiling it reserved: actual usage, not the cap
  });

  it("charges a host that streams no usage by the tokens it relayed (one per delta, no input tokens)", async () => {
    const buyer = buyers[2] as LocalAccount;
    const channel = await channelOf(buyer, "nousage");
    const events = await eventReader(await call(payingFetch(buyer), "nousage", true)).rest();
    expect(contentOf(events)).toBe(TOKENS.join(""));
    const receipt = await paymentOf(events.at(-2));
    expect(receipt).toMatchObject({ inputTokens: 0n, outputTokens: 3n, charge: 3n * PRICE.perOutputToken });
    expect(await chargedOn(channel)).toBe(3n * PRICE.perOutputToken);
  });

  it("ends a stream the host breaks off with an error event and a receipt of the failure, charging nothing", async () => {
    const buyer = buyers[3] as LocalAccount;
    const channel = await channelOf(buyer, "dies");
    const response = await call(payingFetch(buyer), "dies", true);
    expect(response.status).toBe(200);
    const events = await eventReader(response).rest();
    expect(contentOf(events)).toBe(TOKENS.slice(0, 2).join(""));
    const last = events.at(-1);
    expect(last?.event).toBe("error");
    expect(events.some((event) => event.data === "[DONE]")).toBe(false);
    const failure = errorEventSchema.parse(JSON.parse(last?.data ?? ""));
    expect(failure.error).toMatchObject({ type: "server_error", code: "host_interrupted" });
    const receipt = await verify(failure.usage_receipt);
    expect(receipt).toMatchObject({ channelId: channel, served: false, charge: 0n, cumulative: 0n });
    expect(receipt.latencyMs).toBeGreaterThanOrEqual(receipt.ttfbMs);
    // Kept as evidence of downtime, like any failed host call.
    expect((await usageReceipts.listEpoch(2n, receipt.epoch)).map((kept) => kept.receipt)).toContainEqual(receipt);
    expect(await chargedOn(channel)).toBe(0n);
    expect((await storage.get(channel))?.pendingRequest).toBeUndefined();
  });

  it("ends a stream that runs past the host timeout with a host_timeout error event, charging nothing", async () => {
    const buyer = buyers[7] as LocalAccount;
    const channel = await channelOf(buyer, "stalls");
    const events = await eventReader(await call(payingFetch(buyer), "stalls", true)).rest();
    expect(contentOf(events)).toBe(TOKENS[0]);
    const failure = errorEventSchema.parse(JSON.parse(events.at(-1)?.data ?? ""));
    expect(failure.error.code).toBe("host_timeout");
    const receipt = await verify(failure.usage_receipt);
    expect(receipt).toMatchObject({ served: false, charge: 0n });
    expect(receipt.latencyMs).toBeGreaterThanOrEqual(300);
    expect(await chargedOn(channel)).toBe(0n);
    expect((await storage.get(channel))?.pendingRequest).toBeUndefined();
  });

  it("answers a host that fails before its first byte with a typed 502 and its receipt, charging nothing", async () => {
    const buyer = buyers[4] as LocalAccount;
    const channel = await channelOf(buyer, "silent");
    const response = await call(payingFetch(buyer), "silent", true);
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({ error: "host_unreachable" });
    const receipt = await verify(response.headers.get(USAGE_RECEIPT_HEADER) ?? "");
    expect(receipt).toMatchObject({ served: false, charge: 0n });
    expect(await chargedOn(channel)).toBe(0n);
    expect((await storage.get(channel))?.pendingRequest).toBeUndefined();
  });

  it("ends a stream whose charge cannot be recorded with a payment error, charging nothing, and the channel pays on", async () => {
    const buyer = buyers[6] as LocalAccount;
    const channel = await channelOf(buyer, "demo");
    const pay = payingFetch(buyer);
    const first = await call(pay, "demo", true);
    expect((await eventReader(first).rest()).length).toBeGreaterThan(1); // the deposit call, charged
    const charged = await chargedOn(channel);
    crashNextCharge = true;
    const crashed = await eventReader(await call(pay, "demo", true)).rest();
    expect(crashNextCharge).toBe(false);
    const last = crashed.at(-1);
    expect(last?.event).toBe("error");
    expect(JSON.parse(last?.data ?? "")).toMatchObject({ choices: [], error: { code: "payment_not_settled" } });
    expect(crashed.some((event) => event.data === "[DONE]" || event.event === STREAM_PAYMENT_EVENT)).toBe(false);
    expect(await chargedOn(channel)).toBe(charged);
    expect((await storage.get(channel))?.pendingRequest).toBeUndefined();
    // The channel is not stuck: the next streamed call is charged once, from the same cumulative.
    const next = await eventReader(await call(pay, "demo", true)).rest();
    expect(await paymentOf(next.at(-2))).toMatchObject({ cumulative: 2n * charged });
    expect(await chargedOn(channel)).toBe(2n * charged);
  });

  it("charges a buyer who hangs up mid-stream for the tokens it was sent, and drops the host", async () => {
    const buyer = buyers[5] as LocalAccount;
    const channel = await channelOf(buyer, "paced");
    pacedGate = gate();
    pacedSentLast = false;
    pacedHostGone = false;
    const response = await call(payingFetch(buyer), "paced", true);
    const events = eventReader(response);
    expect((await events.next())?.data).toContain(TOKENS[0]);
    await events.cancel();
    await expect.poll(() => chargedOn(channel), { timeout: 5_000 }).toBe(PRICE.perOutputToken);
    expect((await storage.get(channel))?.pendingRequest).toBeUndefined();
    await expect.poll(() => pacedHostGone, { timeout: 5_000 }).toBe(true);
    pacedGate.open();
  });
});
