import { MemoryUsageReceiptStore, MemoryVoucherCheckpointStore, type VoucherCheckpoint } from "@slabridge/core";
import {
  type AnvilInstance,
  createDevnetClients,
  type DemoHost,
  type DevnetClients,
  deployDevnetStablecoin,
  devnetFacilitatorSigner,
  devnetStablecoinAbi,
  placeX402StandIn,
  type StablecoinDeployment,
  startAnvil,
  startDemoHost,
} from "@slabridge/devnet";
import { x402Facilitator } from "@x402/core/facilitator";
import {
  decodePaymentRequiredHeader,
  decodePaymentResponseHeader,
  encodePaymentSignatureHeader,
} from "@x402/core/http";
import type { PaymentRequirements } from "@x402/core/types";
import { BATCH_SETTLEMENT_ADDRESS, BATCH_SETTLEMENT_DOMAIN, toClientEvmSigner, voucherTypes } from "@x402/evm";
import {
  BatchSettlementEvmScheme as BatchSettlementClient,
  computeChannelId,
  signVoucher,
} from "@x402/evm/batch-settlement/client";
import { BatchSettlementEvmScheme as BatchSettlementFacilitator } from "@x402/evm/batch-settlement/facilitator";
import type { ChannelStorage } from "@x402/evm/batch-settlement/server";
import { wrapFetchWithPayment, x402Client } from "@x402/fetch";
import { type Address, type Hex, type LocalAccount, verifyTypedData } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { MemoryChannelRecordStore } from "./channels/MemoryChannelRecordStore.ts";
import { VersionedChannelStorage } from "./channels/VersionedChannelStorage.ts";
import type { GatewayEvmModelInput } from "./config/GatewayModel.ts";
import { CHANNEL_WITHDRAWAL_PENDING, createGateway } from "./createGateway.ts";
import { localFacilitatorClient } from "./http/localFacilitatorClient.ts";
import { type LoopbackServer, serveOnLoopback } from "./node/serveOnLoopback.ts";
import { TokenBucketRateLimiter } from "./rateLimit/TokenBucketRateLimiter.ts";
import { USAGE_RECEIPT_HEADER, verifyUsageReceipt } from "./receipts/usageReceipt.ts";

const CHAIN_ID = 31_337;
const NETWORK = `eip155:${CHAIN_ID}` as const;
const CEILING = 5_000n;
const PRICE = { perInputToken: 3n, perOutputToken: 7n, ceiling: CEILING };
const RATE_LIMIT_WINDOW_S = 100;
/** The model id of the `halted` route, which an operator paused. */
const PAUSED_MODEL_ID = 99n;
const MINTED = 10_000_000n;
const answerSchema = z.object({
  usage: z.object({ prompt_tokens: z.number().int(), completion_tokens: z.number().int() }),
});
// The payer's escape hatch on the channel contract (x402BatchSettlement.initiateWithdraw).
const initiateWithdrawAbi = [
  {
    type: "function",
    name: "initiateWithdraw",
    stateMutability: "nonpayable",
    inputs: [
      {
        name: "config",
        type: "tuple",
        components: [
          { name: "payer", type: "address" },
          { name: "payerAuthorizer", type: "address" },
          { name: "receiver", type: "address" },
          { name: "receiverAuthorizer", type: "address" },
          { name: "token", type: "address" },
          { name: "withdrawDelay", type: "uint40" },
          { name: "salt", type: "bytes32" },
        ],
      },
      { name: "amount", type: "uint128" },
    ],
    outputs: [],
  },
] as const;
const CHAT = JSON.stringify({ model: "llama-demo", messages: [{ role: "user", content: "what is an SLA" }] });

/**
 * The gateway on a loopback anvil with the x402 stand-in placed, in front of loopback demo hosts, paid by the stock
 * `@x402/fetch` client with the stock EVM batch-settlement client scheme, as an outside buyer would pay. One chain
 * for the file; the tests run in order and share buyer A's channel on the `llama` model.
 */
describe("gateway (x402 batch-settlement, loopback anvil)", () => {
  let anvil: AnvilInstance;
  let clients: DevnetClients;
  let token: StablecoinDeployment;
  let hosts: DemoHost[] = [];
  let garbageHost: LoopbackServer;
  let server: LoopbackServer;
  let storage: VersionedChannelStorage;
  const checkpoints = new MemoryVoucherCheckpointStore();
  const usageReceipts = new MemoryUsageReceiptStore();
  let clockOffsetMs = 0;
  let pauseReads = 0;
  let crashNextCharge = false;
  let failNextCheckpoint = false;
  let failNextRateLimit = false;
  const reportedErrors: unknown[] = [];
  let chargePerCall = 0n;
  const gatewayKey = privateKeyToAccount(generatePrivateKey());
  const receiverAuthorizer = privateKeyToAccount(generatePrivateKey());
  const buyerA = privateKeyToAccount(generatePrivateKey());
  const buyerB = privateKeyToAccount(generatePrivateKey());
  const receivers = Object.fromEntries(
    ["llama", "tight", "slow", "garbage", "fresh", "own", "halted"].map((key) => [
      key,
      privateKeyToAccount(generatePrivateKey()).address,
    ]),
  );
  const sentSignatures: string[] = [];
  /** Every read of the SLA terms source, as `<modelId>@<epoch>`; the terms' latency line is `termsLatencyMs`. */
  const termsReads: string[] = [];
  let termsLatencyMs = 500;

  beforeAll(async () => {
    anvil = await startAnvil({ chainId: CHAIN_ID });
    clients = createDevnetClients({ rpcUrl: anvil.rpcUrl, chainId: CHAIN_ID });
    const [deployer, relayer] = await clients.accounts();
    if (deployer === undefined || relayer === undefined) throw new Error("anvil has too few accounts");
    token = await deployDevnetStablecoin({
      clients,
      deployer,
      fund: [buyerA.address, buyerB.address],
      mintAmount: MINTED,
    });
    await placeX402StandIn(clients);

    const healthy = await startDemoHost({ name: "h1", model: "llama-demo", latency: { baseMs: 1 }, failureRate: 0 });
    const hanging = await startDemoHost({
      name: "h2",
      model: "llama-demo",
      latency: { baseMs: 1 },
      failureRate: 1,
      failureMode: "timeout",
    });
    hosts = [healthy, hanging];
    garbageHost = await serveOnLoopback(async () => new Response("<html>not json</html>", { status: 200 }));

    const facilitator = localFacilitatorClient(
      new x402Facilitator().register(
        NETWORK,
        // Delegated mode: the facilitator holds the receiverAuthorizer key and advertises its address.
        new BatchSettlementFacilitator(devnetFacilitatorSigner(clients, relayer), receiverAuthorizer),
      ),
    );
    storage = new VersionedChannelStorage(new MemoryChannelRecordStore());
    // The gateway's view of the store can "crash" once: the write that records a charge throws, nothing is written.
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
    const model = (
      key: string,
      hostUrl: string,
      overrides: Partial<GatewayEvmModelInput> = {},
    ): GatewayEvmModelInput => ({
      key,
      model: "llama-demo",
      modelId: 2n,
      network: NETWORK,
      asset: token.address,
      assetName: token.name,
      assetVersion: "2",
      payTo: receivers[key] ?? "",
      hostUrl,
      hostTimeoutMs: 2_000,
      price: PRICE,
      sla: { p95LatencyMs: 500, uptimeBps: 9_900, refundTiers: [{ breachBps: 0, refundBps: 2_500 }] },
      clock: { genesis: 0n, epochSeconds: 3_600n },
      rateLimit: { burst: 50, perSecond: 50 },
      ...overrides,
    });
    const memoryLimiter = new TokenBucketRateLimiter(() => Date.now() + clockOffsetMs);
    const gateway = await createGateway({
      models: [
        model("llama", healthy.url),
        model("tight", healthy.url, { rateLimit: { burst: 2, perSecond: 1 / RATE_LIMIT_WINDOW_S } }),
        model("slow", hanging.url, { hostTimeoutMs: 300 }),
        model("garbage", garbageHost.url),
        // Trusts no mirrored on-chain state, so every voucher is checked by the facilitator against the chain.
        model("fresh", healthy.url, { onchainStateTtlMs: 0 }),
        // A receiver that authorizes its own claims (as the SlaReceiver contract does).
        model("own", healthy.url, { receiverAuthorizer: receivers.own ?? "" }),
        // A model an operator paused (the kill switch on sales).
        model("halted", healthy.url, { modelId: PAUSED_MODEL_ID }),
      ],
      modelPauses: {
        pauseOf: async (modelId) => {
          pauseReads++;
          return modelId === PAUSED_MODEL_ID ? { reason: "host under investigation" } : undefined;
        },
      },
      facilitator,
      storage: crashable,
      // The checkpoint store can fail once, as a DynamoDB outage would.
      checkpoints: {
        record: async (checkpoint) => {
          if (failNextCheckpoint) {
            failNextCheckpoint = false;
            throw new Error("simulated checkpoint store outage");
          }
          return checkpoints.record(checkpoint);
        },
        list: (chainId, receiver, epoch) => checkpoints.list(chainId, receiver, epoch),
      },
      usageReceipts,
      slaTerms: {
        termsAt: async (modelId, epoch) => {
          termsReads.push(`${modelId}@${epoch}`);
          return {
            maxP95LatencyMs: termsLatencyMs,
            minUptimeBps: 9_900,
            probeTimeoutMs: 2_000,
            latencyBreachRefundBps: 2_500,
            tiers: [{ uptimeBelowBps: 9_900, refundBps: 1_000 }],
          };
        },
      },
      onError: (error) => reportedErrors.push(error),
      receiptSigner: gatewayKey,
      now: () => Date.now() + clockOffsetMs,
      // The shared limiter's store can fail once, as a DynamoDB outage would.
      rateLimiter: {
        take: (key, terms) => {
          if (!failNextRateLimit) return memoryLimiter.take(key, terms);
          failNextRateLimit = false;
          return Promise.reject(new Error("simulated rate-limit store outage"));
        },
      },
    });
    server = await serveOnLoopback(gateway.handle);
  });

  afterAll(async () => {
    await server?.close();
    await garbageHost?.close();
    await Promise.all(hosts.map((host) => host.close()));
    await anvil?.stop();
  });

  const url = (key: string) => `${server.url}/models/${key}/v1/chat/completions`;
  const post = (key: string, headers: Record<string, string> = {}) =>
    fetch(url(key), { method: "POST", headers: { "content-type": "application/json", ...headers }, body: CHAT });
  const clientScheme = (buyer: LocalAccount, options: ConstructorParameters<typeof BatchSettlementClient>[1] = {}) =>
    new BatchSettlementClient(toClientEvmSigner(buyer, clients.publicClient), options);
  const payingFetch = (scheme: BatchSettlementClient) => {
    const client = new x402Client().register(NETWORK, scheme);
    client.setSpendControls(false); // the devnet stablecoin is not one of the SDK's default assets
    const recording: typeof fetch = async (input, init) => {
      const request = new Request(input, init);
      const signature = request.headers.get("payment-signature");
      if (signature !== null) sentSignatures.push(signature);
      return fetch(request);
    };
    return wrapFetchWithPayment(recording, client);
  };
  const chat = (pay: typeof fetch, key: string) =>
    pay(url(key), { method: "POST", headers: { "content-type": "application/json" }, body: CHAT });
  const requirementsOf = async (key: string): Promise<PaymentRequirements> => {
    const response = await post(key);
    const [accept] = decodePaymentRequiredHeader(response.headers.get("payment-required") ?? "").accepts;
    if (accept === undefined) throw new Error("no accepts in the 402");
    return accept;
  };
  const chargedOn = async (channelId: string) => BigInt((await storage.get(channelId))?.chargedCumulativeAmount ?? "0");
  /** The checkpoint of a channel of model `key` in the epoch the gateway's clock is in now (or the one before). */
  const checkpointOn = async (key: string, channelId: string): Promise<VoucherCheckpoint | undefined> => {
    const epoch = BigInt(Math.floor((Date.now() + clockOffsetMs) / 1_000 / 3_600));
    for (const candidate of [epoch, epoch - 1n]) {
      const listed = await checkpoints.list(CHAIN_ID, receivers[key] ?? "", candidate);
      const found = listed.find((checkpoint) => checkpoint.channelId === channelId.toLowerCase());
      if (found) return found;
    }
    return undefined;
  };
  const checkpointedOn = async (key: string, channelId: string) =>
    (await checkpointOn(key, channelId))?.totalClaimed ?? 0n;
  const tokenBalance = (account: Address) =>
    clients.publicClient.readContract({
      address: token.address,
      abi: devnetStablecoinAbi,
      functionName: "balanceOf",
      args: [account],
    });
  const expectedCharge = (usage: { prompt_tokens: number; completion_tokens: number }) => {
    const metered =
      BigInt(usage.prompt_tokens) * PRICE.perInputToken + BigInt(usage.completion_tokens) * PRICE.perOutputToken;
    return metered < CEILING ? metered : CEILING;
  };

  const schemeA = () => clientScheme(buyerA);
  let payA: typeof fetch;
  let channelA: Hex;
  let requirementsA: PaymentRequirements;
  const voucherFromA = async (
    max: bigint,
    overrides: { channelId?: Hex; signer?: LocalAccount; network?: string } = {},
  ) => {
    const scheme = schemeA();
    const config = scheme.buildChannelConfig(requirementsA);
    const voucher = await signVoucher(
      toClientEvmSigner(overrides.signer ?? buyerA, clients.publicClient),
      overrides.channelId ?? channelA,
      max.toString(),
      overrides.network ?? NETWORK,
    );
    return encodePaymentSignatureHeader({
      x402Version: 2,
      accepted: requirementsA,
      payload: { type: "voucher", channelConfig: config, voucher },
    });
  };
  const refusedCode = (response: Response) =>
    decodePaymentRequiredHeader(response.headers.get("payment-required") ?? "").error;

  it("answers an unpaid call with 402 and PAYMENT-REQUIRED: ceiling, asset, the model's receiver, scheme and SLA terms", async () => {
    const response = await post("llama");
    expect(response.status).toBe(402);
    const required = decodePaymentRequiredHeader(response.headers.get("payment-required") ?? "");
    expect(required.x402Version).toBe(2);
    expect(required.accepts).toHaveLength(1);
    expect(required.accepts[0]).toMatchObject({
      scheme: "batch-settlement",
      network: NETWORK,
      amount: CEILING.toString(),
      asset: token.address,
      payTo: receivers.llama,
      extra: {
        receiverAuthorizer: receiverAuthorizer.address,
        // An hour's epoch plus the claim deadline: no payer can withdraw before the epoch's vouchers are claimed.
        withdrawDelay: 4_200,
        name: token.name,
        version: "2",
        slabridge: {
          model: "llama-demo",
          modelId: "2",
          perInputToken: "3",
          perOutputToken: "7",
          // The running epoch's, from the terms source.
          sla: {
            maxP95LatencyMs: 500,
            minUptimeBps: 9_900,
            refundTiers: [{ uptimeBelowBps: 9_900, refundBps: 1_000 }],
          },
        },
      },
    });
  });

  it("lets a stock @x402/fetch client deposit once and pay per call: each call is charged its tokens, with a verifiable receipt", async () => {
    payA = payingFetch(schemeA());
    requirementsA = await requirementsOf("llama");
    channelA = computeChannelId(schemeA().buildChannelConfig(requirementsA), NETWORK);
    let cumulative = 0n;
    const lastCallOfEpoch = new Map<bigint, { cumulative: bigint; charge: bigint }>();
    for (let call = 0; call < 3; call++) {
      const response = await chat(payA, "llama");
      expect(response.status).toBe(200);
      const body = answerSchema.parse(await response.json());
      const charge = expectedCharge(body.usage);
      expect(charge).toBeGreaterThan(0n);
      expect(charge).toBeLessThan(CEILING);
      chargePerCall = charge; // the demo host answers the same prompt with the same usage
      cumulative += charge;

      const settled = decodePaymentResponseHeader(response.headers.get("payment-response") ?? "");
      expect(settled.success).toBe(true);
      expect(settled.extra).toMatchObject({
        chargedAmount: charge.toString(),
        channelState: { chargedCumulativeAmount: cumulative.toString() },
      });

      const receipt = await verifyUsageReceipt(response.headers.get(USAGE_RECEIPT_HEADER) ?? "", {
        gateway: gatewayKey.address,
        chainId: CHAIN_ID,
      });
      expect(receipt).toMatchObject({
        model: "llama-demo",
        modelId: 2n,
        channelId: channelA,
        payer: `0x${"00".repeat(12)}${buyerA.address.slice(2).toLowerCase()}`,
        inputTokens: BigInt(body.usage.prompt_tokens),
        outputTokens: BigInt(body.usage.completion_tokens),
        served: true,
        charge,
        cumulative,
      });
      // The same signed receipt is kept as the epoch's SLA evidence.
      expect((await usageReceipts.listEpoch(2n, receipt.epoch)).map((kept) => kept.receipt)).toContainEqual(receipt);
      expect(receipt.latencyMs).toBeGreaterThanOrEqual(receipt.ttfbMs);
      expect(receipt.finishedAt).toBeGreaterThanOrEqual(receipt.startedAt);
      expect(receipt.epoch).toBe(receipt.startedAt / 1_000n / 3_600n);
      lastCallOfEpoch.set(receipt.epoch, { cumulative, charge });
    }
    expect(await chargedOn(channelA)).toBe(cumulative);
    // The checkpoint of each epoch is the voucher of its last call, with the cumulative charged after it.
    for (const [epoch, last] of lastCallOfEpoch) {
      const [checkpoint, ...others] = await checkpoints.list(CHAIN_ID, receivers.llama ?? "", epoch);
      expect(others).toEqual([]);
      expect(checkpoint).toMatchObject({
        chainId: CHAIN_ID,
        receiver: receivers.llama?.toLowerCase(),
        modelId: 2n,
        epoch,
        channelId: channelA.toLowerCase(),
        totalClaimed: last.cumulative,
        maxClaimableAmount: last.cumulative - last.charge + CEILING,
        channel: schemeA().buildChannelConfig(requirementsA),
      });
      if (checkpoint === undefined) throw new Error("no checkpoint");
      expect(checkpoint.totalClaimed).toBeLessThanOrEqual(checkpoint.maxClaimableAmount);
      const verified = await verifyTypedData({
        address: buyerA.address,
        domain: { ...BATCH_SETTLEMENT_DOMAIN, chainId: CHAIN_ID, verifyingContract: BATCH_SETTLEMENT_ADDRESS },
        types: voucherTypes,
        primaryType: "Voucher",
        message: { channelId: checkpoint.channelId, maxClaimableAmount: checkpoint.maxClaimableAmount },
        signature: checkpoint.signature,
      });
      expect(verified).toBe(true);
    }
    // Three calls in one epoch (or across one boundary): the epochs' last cumulative is everything charged.
    expect([...lastCallOfEpoch.values()].at(-1)?.cumulative).toBe(cumulative);
    // One deposit into the channel contract, nothing else moved.
    const deposited = await tokenBalance(BATCH_SETTLEMENT_ADDRESS);
    expect(deposited).toBeGreaterThanOrEqual(CEILING);
    expect(await tokenBalance(buyerA.address)).toBe(MINTED - deposited);
  });

  it("refuses a voucher signed by the wrong key (402 invalid_batch_settlement_evm_voucher_signature), charging nothing", async () => {
    const before = await chargedOn(channelA);
    const header = await voucherFromA(before + CEILING, { signer: buyerB });
    const response = await post("llama", { "payment-signature": header });
    expect(response.status).toBe(402);
    expect(refusedCode(response)).toBe("invalid_batch_settlement_evm_voucher_signature");
    expect(await chargedOn(channelA)).toBe(before);
    expect(await checkpointedOn("llama", channelA)).toBe(before);
  });

  it("refuses a voucher signed for another chain's domain, charging nothing", async () => {
    const before = await chargedOn(channelA);
    const response = await post("llama", {
      "payment-signature": await voucherFromA(before + CEILING, { network: "eip155:1" }),
    });
    expect(response.status).toBe(402);
    expect(refusedCode(response)).toBe("invalid_batch_settlement_evm_voucher_signature");
    expect(await chargedOn(channelA)).toBe(before);
  });

  it("refuses a voucher for another channel than its config names, charging nothing", async () => {
    const before = await chargedOn(channelA);
    const other = `0x${"42".repeat(32)}` as const;
    const response = await post("llama", {
      "payment-signature": await voucherFromA(before + CEILING, { channelId: other }),
    });
    expect(response.status).toBe(402);
    expect(refusedCode(response)).toMatch(/^invalid_batch_settlement_evm_channel_id/);
    expect(await chargedOn(channelA)).toBe(before);
    expect(await storage.get(other)).toBeUndefined();
  });

  it("answers a voucher below or above the expected cumulative with the SDK's corrective 402 and the channel state", async () => {
    const before = await chargedOn(channelA);
    for (const max of [before + CEILING - 1n, before + CEILING + 1n]) {
      const response = await post("llama", { "payment-signature": await voucherFromA(max) });
      expect(response.status).toBe(402);
      const required = decodePaymentRequiredHeader(response.headers.get("payment-required") ?? "");
      expect(required.error).toBe("invalid_batch_settlement_evm_cumulative_amount_mismatch");
      expect(required.accepts[0]?.extra).toMatchObject({
        channelState: { channelId: channelA, chargedCumulativeAmount: before.toString() },
      });
    }
    expect(await chargedOn(channelA)).toBe(before);
  });

  it("refuses a replayed PAYMENT-SIGNATURE (the cumulative has moved on), charging nothing", async () => {
    const before = await chargedOn(channelA);
    const replayed = sentSignatures.at(-1);
    expect(replayed).toBeDefined();
    const response = await post("llama", { "payment-signature": replayed ?? "" });
    expect(response.status).toBe(402);
    expect(refusedCode(response)).toBe("invalid_batch_settlement_evm_cumulative_amount_mismatch");
    expect(await chargedOn(channelA)).toBe(before);
  });

  it("refuses a malformed (400) or oversized (431) PAYMENT-SIGNATURE with invalid_payload, charging nothing", async () => {
    const before = await chargedOn(channelA);
    const notAPayload = Buffer.from(JSON.stringify({ hello: "world" })).toString("base64");
    for (const header of ["not base64 at all!", notAPayload]) {
      const response = await post("llama", { "payment-signature": header });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: "invalid_payload" });
    }
    const oversized = await post("llama", { "payment-signature": "A".repeat(10_000) });
    expect(oversized.status).toBe(431);
    expect(await oversized.json()).toMatchObject({ error: "invalid_payload" });
    expect(await chargedOn(channelA)).toBe(before);
  });

  it("answers a paused model with 503 model_paused and Retry-After before asking for any payment, charging nothing", async () => {
    const served = hosts[0]?.stats().requests;
    // The stock client gets no 402 to pay: it passes the 503 through, having signed nothing.
    const response = await chat(payA, "halted");
    expect(response.status).toBe(503);
    expect(response.headers.get("payment-required")).toBeNull();
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await response.json()).toMatchObject({ error: "model_paused" });
    expect(hosts[0]?.stats().requests).toBe(served);
    // The pause is read once per model while fresh, not once per call.
    const reads = pauseReads;
    expect((await post("halted")).status).toBe(503);
    expect(pauseReads).toBe(reads);
  });

  it("answers an unknown model with 404 unknown_model", async () => {
    const response = await post("no-such-model");
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: "unknown_model" });
  });

  it("keeps paying the stock client after all those refusals: the next call is charged exactly its usage", async () => {
    const before = await chargedOn(channelA);
    const response = await chat(payA, "llama");
    expect(response.status).toBe(200);
    const body = answerSchema.parse(await response.json());
    expect(await chargedOn(channelA)).toBe(before + expectedCharge(body.usage));
  });

  it("charges a call at most once and never unrecorded: a crash between serving and recording leaves it uncharged", async () => {
    const [healthy] = hosts;
    if (healthy === undefined) throw new Error("no demo host");
    const before = await chargedOn(channelA);
    const servedBefore = healthy.stats().served;
    crashNextCharge = true;
    // The host served it, the charge was not recorded: the buyer gets the SDK's settle-failure 402, not the answer.
    const response = await chat(payA, "llama");
    expect(response.status).toBe(402);
    expect(crashNextCharge).toBe(false);
    expect(healthy.stats().served - servedBefore).toBe(1);
    expect(await chargedOn(channelA)).toBe(before);
    expect(await checkpointedOn("llama", channelA)).toBe(before); // an uncharged call is no checkpoint
    expect((await storage.get(channelA))?.pendingRequest).toBeUndefined();
    // The channel is not stuck: the same cumulative pays the next call, charged once.
    const next = await chat(payA, "llama");
    expect(next.status).toBe(200);
    expect(await chargedOn(channelA)).toBe(before + chargePerCall);
    expect(await checkpointedOn("llama", channelA)).toBe(before + chargePerCall);
  });

  it("still answers a served, charged call whose checkpoint fails to write, and the next call's checkpoint covers it", async () => {
    const before = await chargedOn(channelA);
    failNextCheckpoint = true;
    const response = await chat(payA, "llama");
    expect(response.status).toBe(200);
    expect(failNextCheckpoint).toBe(false);
    expect(await chargedOn(channelA)).toBe(before + chargePerCall);
    expect(reportedErrors.splice(0)).toEqual([new Error("simulated checkpoint store outage")]);
    expect(await checkpointedOn("llama", channelA)).toBe(before);
    expect((await chat(payA, "llama")).status).toBe(200);
    expect(await checkpointedOn("llama", channelA)).toBe(before + 2n * chargePerCall);
  });

  it("refuses a voucher over the channel's deposit (402 invalid_batch_settlement_evm_cumulative_exceeds_balance)", async () => {
    // Buyer B deposits exactly one ceiling, so after one paid call a full next voucher exceeds the deposit.
    const schemeB = () => clientScheme(buyerB, { depositStrategy: ({ requestAmount }) => requestAmount });
    const payB = payingFetch(schemeB());
    expect((await chat(payB, "llama")).status).toBe(200);
    const config = schemeB().buildChannelConfig(requirementsA);
    const channelB = computeChannelId(config, NETWORK);
    const charged = await chargedOn(channelB);
    expect(await tokenBalance(buyerB.address)).toBe(MINTED - CEILING);
    const voucher = await signVoucher(
      toClientEvmSigner(buyerB, clients.publicClient),
      channelB,
      (charged + CEILING).toString(),
      NETWORK,
    );
    const header = encodePaymentSignatureHeader({
      x402Version: 2,
      accepted: requirementsA,
      payload: { type: "voucher", channelConfig: config, voucher },
    });
    const response = await post("llama", { "payment-signature": header });
    expect(response.status).toBe(402);
    expect(refusedCode(response)).toBe("invalid_batch_settlement_evm_cumulative_exceeds_balance");
    expect(await chargedOn(channelB)).toBe(charged);
  });

  it("refuses a voucher on a channel under withdrawal (402 channel_withdrawal_pending), charging nothing", async () => {
    const scheme = () => clientScheme(buyerB);
    const pay = payingFetch(scheme());
    expect((await chat(pay, "fresh")).status).toBe(200);
    const config = scheme().buildChannelConfig(await requirementsOf("fresh"));
    const channel = computeChannelId(config, NETWORK);
    const before = await chargedOn(channel);
    const [deployer] = await clients.accounts();
    if (deployer === undefined) throw new Error("anvil has no accounts");
    const gas = await clients.wallet(deployer).sendTransaction({ to: buyerB.address, value: 10n ** 17n });
    await clients.publicClient.waitForTransactionReceipt({ hash: gas });
    const withdraw = await clients.wallet(buyerB).writeContract({
      address: BATCH_SETTLEMENT_ADDRESS,
      abi: initiateWithdrawAbi,
      functionName: "initiateWithdraw",
      args: [config, 1n],
    });
    expect((await clients.publicClient.waitForTransactionReceipt({ hash: withdraw })).status).toBe("success");

    const response = await chat(pay, "fresh");
    expect(response.status).toBe(402);
    expect(refusedCode(response)).toBe(CHANNEL_WITHDRAWAL_PENDING);
    expect(await chargedOn(channel)).toBe(before);
    expect((await storage.get(channel))?.pendingRequest).toBeUndefined();
  });

  it("rate-limits a buyer per model with 429 and Retry-After, charging nothing, and lets it pay again once refilled", async () => {
    const pay = payingFetch(schemeA());
    const tightRequirements = await requirementsOf("tight");
    const channel = computeChannelId(schemeA().buildChannelConfig(tightRequirements), NETWORK);
    expect((await chat(pay, "tight")).status).toBe(200);
    expect((await chat(pay, "tight")).status).toBe(200);
    const before = await chargedOn(channel);
    const limited = await chat(pay, "tight");
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(RATE_LIMIT_WINDOW_S);
    expect(await limited.json()).toMatchObject({ error: "rate_limited" });
    expect(await chargedOn(channel)).toBe(before);
    expect(await checkpointedOn("tight", channel)).toBe(before);
    // The same buyer on another model is not limited.
    expect((await chat(payA, "llama")).status).toBe(200);
    clockOffsetMs += RATE_LIMIT_WINDOW_S * 1_000;
    expect((await chat(pay, "tight")).status).toBe(200);
    expect(await chargedOn(channel)).toBeGreaterThan(before);
  });

  it("fails closed when the rate limit cannot be checked: 503 rate_limit_unavailable, nothing charged or held", async () => {
    const pay = payingFetch(schemeA());
    const channel = computeChannelId(schemeA().buildChannelConfig(await requirementsOf("llama")), NETWORK);
    expect((await chat(pay, "llama")).status).toBe(200);
    const before = await chargedOn(channel);
    failNextRateLimit = true;
    const refused = await chat(pay, "llama");
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(await refused.json()).toMatchObject({ error: "rate_limit_unavailable" });
    expect(reportedErrors.splice(0)).toEqual([new Error("simulated rate-limit store outage")]);
    expect(await chargedOn(channel)).toBe(before);
    expect((await storage.get(channel))?.pendingRequest).toBeUndefined();
    // The channel pays the next call as usual.
    expect((await chat(pay, "llama")).status).toBe(200);
    expect(await chargedOn(channel)).toBeGreaterThan(before);
  });

  it("does not charge a call the host leaves hanging past its timeout (504 host_timeout)", async () => {
    const pay = payingFetch(schemeA());
    const channel = computeChannelId(schemeA().buildChannelConfig(await requirementsOf("slow")), NETWORK);
    const balance = await tokenBalance(buyerA.address);
    const response = await chat(pay, "slow");
    expect(response.status).toBe(504);
    expect(await response.json()).toMatchObject({ error: "host_timeout" });
    // The buyer holds a signed receipt of the failed call, charged nothing; the gateway keeps it as downtime evidence.
    const receipt = await verifyUsageReceipt(response.headers.get(USAGE_RECEIPT_HEADER) ?? "", {
      gateway: gatewayKey.address,
      chainId: CHAIN_ID,
    });
    expect(receipt).toMatchObject({ channelId: channel, served: false, charge: 0n, outputTokens: 0n });
    expect(receipt.latencyMs).toBeGreaterThanOrEqual(300);
    expect((await usageReceipts.listEpoch(receipt.modelId, receipt.epoch)).map((kept) => kept.receipt)).toContainEqual(
      receipt,
    );
    expect(await chargedOn(channel)).toBe(0n);
    expect(await checkpointOn("slow", channel)).toBeUndefined();
    expect((await storage.get(channel))?.pendingRequest).toBeUndefined();
    expect(await tokenBalance(buyerA.address)).toBe(balance); // its deposit was never settled either
  });

  it("does not charge a call the host answers with garbage (502 host_garbage)", async () => {
    const pay = payingFetch(schemeA());
    const channel = computeChannelId(schemeA().buildChannelConfig(await requirementsOf("garbage")), NETWORK);
    const response = await chat(pay, "garbage");
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({ error: "host_garbage" });
    const receipt = await verifyUsageReceipt(response.headers.get(USAGE_RECEIPT_HEADER) ?? "", {
      gateway: gatewayKey.address,
      chainId: CHAIN_ID,
    });
    expect(receipt).toMatchObject({ served: false, charge: 0n });
    expect(await chargedOn(channel)).toBe(0n);
    expect(await checkpointOn("garbage", channel)).toBeUndefined();
  });
  it("advertises a model's own receiverAuthorizer (its receiver contract) in the 402, and a stock client pays with it", async () => {
    const requirements = await requirementsOf("own");
    expect(requirements.payTo).toBe(receivers.own);
    expect(requirements.extra).toMatchObject({ receiverAuthorizer: receivers.own });
    // The other models keep the facilitator's.
    expect((await requirementsOf("llama")).extra).toMatchObject({ receiverAuthorizer: receiverAuthorizer.address });

    const scheme = schemeA();
    const pay = payingFetch(scheme);
    const channel = computeChannelId(schemeA().buildChannelConfig(requirements), NETWORK);
    for (let call = 0; call < 2; call++) expect((await chat(pay, "own")).status).toBe(200);
    expect(await chargedOn(channel)).toBe(2n * chargePerCall);
    const checkpoint = await checkpointOn("own", channel);
    expect(checkpoint?.totalClaimed).toBe(2n * chargePerCall);
    expect(checkpoint?.channel).toMatchObject({ receiver: receivers.own, receiverAuthorizer: receivers.own });

    // A cooperative refund is the one request-path step where the SDK's server signs as the receiverAuthorizer: this
    // gateway holds no refund key for the contract, so the request fails and the channel is left as it was (with the
    // key, see slaReceiverRefund.e2e.test.ts).
    const balance = await tokenBalance(buyerA.address);
    const config = scheme.buildChannelConfig(requirements);
    const voucher = await signVoucher(
      toClientEvmSigner(buyerA, clients.publicClient),
      channel,
      (2n * chargePerCall).toString(),
      NETWORK,
    );
    const refund = await post("own", {
      "payment-signature": encodePaymentSignatureHeader({
        x402Version: 2,
        accepted: requirements,
        payload: { type: "refund", channelConfig: config, voucher },
      }),
    });
    expect(refund.status).toBe(402);
    const refused = decodePaymentResponseHeader(refund.headers.get("payment-response") ?? "");
    expect(refused.success).toBe(false);
    expect(refused.errorReason).toBe("receiver_contract_authorizes_itself");
    expect(await chargedOn(channel)).toBe(2n * chargePerCall);
    expect((await storage.get(channel))?.pendingRequest).toBeUndefined();
    expect(await tokenBalance(buyerA.address)).toBe(balance);
    expect((await chat(pay, "own")).status).toBe(200);
  });

  it("reads the SLA terms once per model and epoch, never per call, and shows the next epoch's changed terms while the stock client keeps paying", async () => {
    const paidCalls = sentSignatures.length;
    expect(paidCalls).toBeGreaterThan(20);
    // Dozens of paid calls and 402s so far: at most one read per (model, epoch) seen.
    expect(termsReads.length).toBe(new Set(termsReads).size);
    expect(termsReads.length).toBeLessThanOrEqual(2); // every model here is model 2; the clock moved 100 s
    const readsBefore = termsReads.length;

    termsLatencyMs = 900;
    clockOffsetMs += 3_600_000; // the next epoch, whose terms differ
    const shown = async () => {
      const [accept] = decodePaymentRequiredHeader((await post("llama")).headers.get("payment-required") ?? "").accepts;
      return (accept?.extra?.slabridge as { sla?: unknown } | undefined)?.sla;
    };
    expect(await shown()).toMatchObject({ maxP95LatencyMs: 900 });
    // The buyer accepted the earlier epoch's terms; its calls are still matched and paid.
    for (let call = 0; call < 3; call++) expect((await chat(payA, "llama")).status).toBe(200);
    expect(await shown()).toMatchObject({ maxP95LatencyMs: 900 });
    expect(termsReads.slice(readsBefore).filter((read) => read.startsWith("2@"))).toHaveLength(1);
  });
});
