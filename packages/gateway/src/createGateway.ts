import {
  epochAt,
  STREAM_PAYMENT_EVENT,
  type SvmVoucherCheckpoint,
  type SvmVoucherCheckpointStore,
  type UsageReceipt,
  type UsageReceiptStore,
  type VoucherCheckpoint,
  type VoucherCheckpointStore,
} from "@slabridge/core";
import { base58 } from "@slabridge/solana";
import { Connection, PublicKey } from "@solana/web3.js";
import { decodePaymentRequiredHeader, encodePaymentRequiredHeader } from "@x402/core/http";
import {
  type AfterVerifyHook,
  type FacilitatorClient,
  type HTTPRequestContext,
  type HTTPResponseInstructions,
  type HTTPTransportContext,
  type PaymentCancellationDispatcher,
  type ProcessSettleResultResponse,
  type ProcessSettleSuccessResponse,
  x402HTTPResourceServer,
  x402ResourceServer,
} from "@x402/core/server";
import type { PaymentPayload } from "@x402/core/types";
import {
  type AuthorizerSigner,
  type BatchSettlementVoucherPayload,
  isBatchSettlementDepositPayload,
  isBatchSettlementRefundPayload,
  isBatchSettlementVoucherPayload,
} from "@x402/evm";
import { BatchSettlementEvmScheme, type ChannelStorage } from "@x402/evm/batch-settlement/server";
import { concat, getAddress, type Hex, keccak256, toBytes } from "viem";
import { z } from "zod";
import { contractReceiverAuthorizer } from "./channels/contractReceiverAuthorizer.ts";
import { refundWithoutClaim } from "./channels/refundWithoutClaim.ts";
import { channelWithdrawDelay } from "./config/channelWithdrawDelay.ts";
import { chargeFor, type TokenUsage } from "./config/chargeFor.ts";
import { checkHostTimeout } from "./config/checkHostTimeout.ts";
import {
  type GatewayEvmModel,
  type GatewayModel,
  type GatewayModelInput,
  type GatewaySvmModel,
  gatewayModelSchema,
  isSvmModel,
} from "./config/GatewayModel.ts";
import {
  HostFailedError,
  MalformedPaymentSignatureError,
  MethodNotAllowedError,
  ModelPausedError,
  RateLimitedError,
  RateLimitUnavailableError,
  RequestTooLargeError,
  UnknownModelError,
} from "./errors/errors.ts";
import { GatewayError } from "./errors/GatewayError.ts";
import { InvalidGatewayConfigError } from "./errors/InvalidGatewayConfigError.ts";
import { type ForwardRequest, forwardToHost, type HostAnswer } from "./host/forwardToHost.ts";
import { StreamTally } from "./host/StreamTally.ts";
import { type HostEventStream, type HostStreamAnswer, streamFromHost } from "./host/streamFromHost.ts";
import { checkPaymentSignature, DEFAULT_MAX_PAYMENT_SIGNATURE_BYTES } from "./http/checkPaymentSignature.ts";
import { fetchAdapter, responseOf } from "./http/fetchAdapter.ts";
import { type SseEvent, sseEvent } from "./http/sse.ts";
import type { RateLimitDecision, RateLimiter } from "./rateLimit/RateLimiter.ts";
import { TokenBucketRateLimiter } from "./rateLimit/TokenBucketRateLimiter.ts";
import {
  encodeUsageReceipt,
  type ReceiptSigner,
  signUsageReceipt,
  USAGE_RECEIPT_HEADER,
} from "./receipts/usageReceipt.ts";
import { chainPulledAmounts, SlabridgeSvmBatchServerScheme } from "./svm/SlabridgeSvmBatchServerScheme.ts";
import { MemorySvmChannelStore, type SvmChannelStore } from "./svm/SvmChannelStore.ts";
import { type SvmVoucherPayload, svmVoucherPayloadSchema } from "./svm/svmPayload.ts";
import { SLA_TERMS_RETRY_MS, SlaTermsCache, type SlaTermsSource } from "./terms/SlaTermsCache.ts";

/** Longest request body forwarded to a host. */
const DEFAULT_MAX_BODY_BYTES = 1 << 20;

/** Everything the gateway needs; the stores and the facilitator are ports, so AWS and the devnet differ only here. */
export interface GatewayOptions {
  /** The models sold, each at `/models/<key>/...`. */
  readonly models: readonly GatewayModelInput[];
  /** `/verify` and `/settle` for deposits (an `HTTPFacilitatorClient`, or {@link localFacilitatorClient}). */
  readonly facilitator: FacilitatorClient;
  /** Channel state shared by every instance (a `VersionedChannelStorage` over DynamoDB in AWS). */
  readonly storage: ChannelStorage;
  /**
   * Where the latest voucher of each channel and epoch is recorded after every charged call: what the model's
   * receiver claims at the epoch's end.
   */
  readonly checkpoints: VoucherCheckpointStore;
  /**
   * Where the latest voucher of each Solana channel and epoch is recorded after every charged call: what the relay
   * pulls into the vault at the epoch's end. Required when a model is sold on a Solana cluster.
   */
  readonly svmCheckpoints?: SvmVoucherCheckpointStore;
  /**
   * Solana channel state (charged so far, the call in flight), shared by every instance. Default: in memory, right
   * only for a single gateway process (the devnet); several instances need a shared store.
   */
  readonly svmChannels?: SvmChannelStore;
  /** The gateway's key, which signs usage receipts. */
  readonly receiptSigner: ReceiptSigner;
  /**
   * Where every paid call that reached the host is kept, served or not: the SLA evidence of paid traffic (the
   * evaluator reads an epoch's receipts beside the probes).
   */
  readonly usageReceipts: UsageReceiptStore;
  /**
   * Signs claim batches and refunds as the channels' `receiverAuthorizer`, for models without their own
   * `receiverAuthorizer`. Omitted: the facilitator's advertised `receiverAuthorizer` is used (the SDK's delegated mode).
   */
  readonly receiverAuthorizer?: AuthorizerSigner;
  /**
   * The key the models' receiver contracts (SlaReceivers) have as their `authorizer`: it signs buyers' cooperative
   * refunds of what they deposited and were not charged (the contract checks it through EIP-1271). Omitted: such
   * refunds are refused (501 `receiver_contract_authorizes_itself`); the buyer's timed withdrawal stays open.
   */
  readonly refundSigner?: AuthorizerSigner;
  /**
   * The channels' `withdrawDelay` in seconds (900 to 2,592,000); by default each model's epoch plus its claim
   * deadline, so no withdrawal can finalize before the epoch's vouchers are claimed (a shorter one is refused).
   */
  readonly withdrawDelay?: number;
  /**
   * The rate limits per buyer and model, shared by every instance (`DynamoRateLimiter` in AWS and on the devnet).
   * Default: in this process's memory, right only for a single gateway process (tests, benches).
   */
  readonly rateLimiter?: RateLimiter;
  /**
   * Where each model's SLA terms of an epoch are read (the home chain's registry in the gateway function), shown in
   * the 402's `extra.slabridge.sla`: read once per model and epoch, never on a paid call's path, a failed read told to
   * `onError` and retried after {@link SLA_TERMS_RETRY_MS} (the 402 goes out without terms meanwhile). Omitted: each
   * model's configured `sla` is shown.
   */
  readonly slaTerms?: SlaTermsSource;
  /** Wall clock in unix ms (receipt timestamps, epochs, the default rate limiter). */
  readonly now?: () => number;
  /** Monotonic ms for latencies. */
  readonly monotonicNow?: () => number;
  /** Reaches the hosts. */
  readonly fetch?: typeof fetch;
  readonly maxPaymentSignatureBytes?: number;
  readonly maxBodyBytes?: number;
  /** Told about every unexpected failure answered with a 500, and every failure of the rate limiter (a 503). */
  readonly onError?: (error: unknown) => void;
  /**
   * The operators' kill switch for sales: a paused model answers 503 `model_paused` before any payment is asked for
   * or checked. Read at most every {@link MODEL_PAUSE_TTL_MS} per model and instance.
   */
  readonly modelPauses?: ModelPauses;
}

/** Where operators' model pauses are read (the bot's controls records in AWS). */
export interface ModelPauses {
  /** The pause in force on `modelId`, or undefined. */
  pauseOf(modelId: bigint): Promise<{ readonly reason: string } | undefined>;
}

/** How long an instance trusts what it read of a model's pause: a pause reaches every instance within this. */
export const MODEL_PAUSE_TTL_MS = 5_000;

/** A running gateway: one framework-free handler (a Lambda function URL or a node server wraps it). */
export interface Gateway {
  handle(request: Request): Promise<Response>;
}

interface ModelRoute {
  readonly model: GatewayModel;
  readonly chainId: number;
  readonly http: x402HTTPResourceServer;
}

/** An EVM model's route: `@x402/evm`'s batch-settlement server scheme over the shared channel storage. */
async function evmRoute(model: GatewayEvmModel, options: GatewayOptions): Promise<ModelRoute> {
  const receiverAuthorizer =
    model.receiverAuthorizer === undefined
      ? options.receiverAuthorizer
      : contractReceiverAuthorizer(model.receiverAuthorizer, options.refundSigner);
  const scheme = new BatchSettlementEvmScheme(model.payTo, {
    storage: options.storage,
    ...(receiverAuthorizer === undefined ? {} : { receiverAuthorizerSigner: receiverAuthorizer }),
    withdrawDelay: channelWithdrawDelay(model.key, model.clock.epochSeconds, options.withdrawDelay),
    ...(model.onchainStateTtlMs === undefined ? {} : { onchainStateTtlMs: model.onchainStateTtlMs }),
  });
  // A receiver contract claims each epoch itself: a refund must not claim first (see refundWithoutClaim).
  if (model.receiverAuthorizer !== undefined && receiverAuthorizer !== undefined) {
    refundWithoutClaim(scheme, receiverAuthorizer);
  }
  const server = new x402ResourceServer(options.facilitator)
    .register(model.network, scheme)
    // Runs before the scheme's own hook reserves the channel, so a refused call holds nothing.
    .onAfterVerify(refuseChannelUnderWithdrawal);
  const route = {
    accepts: {
      scheme: "batch-settlement",
      network: model.network,
      payTo: model.payTo,
      price: {
        amount: model.price.ceiling.toString(),
        asset: model.asset,
        extra: { name: model.assetName, version: model.assetVersion },
      },
      maxTimeoutSeconds: model.maxTimeoutSeconds,
      extra: { slabridge: slabridgeTerms(model) },
    },
    description: `${model.model}: pay per call, charged per token used, at most the amount per call`,
    mimeType: "application/json",
  };
  // GET only for the SDK's cooperative refund (its probe and its request); calls are POSTs.
  const http = new x402HTTPResourceServer(server, {
    [`POST /models/${model.key}/*`]: route,
    [`GET /models/${model.key}/*`]: route,
  });
  await http.initialize();
  return { model, chainId: Number(model.network.slice("eip155:".length)), http };
}

/**
 * A Solana model's route: slabridge's SVM batch-settlement server scheme (the buyer's delegate approval of the vault
 * multisig is the channel; vouchers checked and charged by the gateway itself), its cap counting what the vault
 * already pulled of each channel.
 */
async function svmRoute(
  model: GatewaySvmModel,
  facilitator: FacilitatorClient,
  channels: SvmChannelStore,
  checkpoints: SvmVoucherCheckpointStore | undefined,
): Promise<ModelRoute> {
  // Without a checkpoint store nothing of what the calls charge would ever be claimed: refuse to sell.
  if (checkpoints === undefined) {
    throw new InvalidGatewayConfigError(`model ${model.key} is sold on ${model.network} but no svmCheckpoints store`);
  }
  const connection = new Connection(model.rpcUrl, { commitment: "confirmed", disableRetryOnRateLimit: true });
  const scheme = new SlabridgeSvmBatchServerScheme({
    connection,
    store: channels,
    modelId: model.modelId,
    decimals: model.decimals,
    pulled: chainPulledAmounts({
      connection,
      vault: new PublicKey(model.vault),
      multisigAuthority: new PublicKey(model.payTo),
    }),
    ...(model.allowanceTtlMs === undefined ? {} : { allowanceTtlMs: model.allowanceTtlMs }),
  });
  const server = new x402ResourceServer(facilitator).register(model.network, scheme);
  const http = new x402HTTPResourceServer(server, {
    [`POST /models/${model.key}/*`]: {
      accepts: {
        scheme: "batch-settlement",
        network: model.network,
        payTo: model.payTo,
        price: { amount: model.price.ceiling.toString(), asset: model.asset },
        maxTimeoutSeconds: model.maxTimeoutSeconds,
        extra: { slabridge: slabridgeTerms(model) },
      },
      description: `${model.model}: pay per call, charged per token used, at most the amount per call`,
      mimeType: "application/json",
    },
  });
  await http.initialize();
  return { model, chainId: model.chainId, http };
}

const channelStateSchema = z.looseObject({
  channelState: z.looseObject({ chargedCumulativeAmount: z.string().regex(/^\d+$/) }),
});

/**
 * Builds the x402 gateway for the given models: one x402 resource server per model with `@x402/evm`'s
 * batch-settlement server scheme over the shared channel storage. It answers an unpaid call with 402 and
 * `PAYMENT-REQUIRED` (the per-call ceiling as `amount`, the asset, the model's receiver as `payTo`, the scheme's
 * `receiverAuthorizer`/`withdrawDelay`, slabridge's prices and SLA terms in `extra.slabridge`), verifies a voucher
 * (serialized per channel, cumulative rule, corrective 402: the SDK's), enforces the rate limit per buyer and model,
 * forwards the call, charges the tokens used (capped at the ceiling; a failed host call is not charged), and answers
 * with `PAYMENT-RESPONSE` and a signed usage receipt. A model on a `solana:` network is served by slabridge's SVM
 * batch-settlement server scheme instead (the buyer's delegate approval of the vault multisig is the channel), and
 * each charged call's voucher is checkpointed in `svmCheckpoints` for the epoch-end pull into the vault.
 *
 * @example
 * const gateway = await createGateway({ models, facilitator, storage, receiptSigner: privateKeyToAccount(key) });
 * const response = await gateway.handle(new Request("http://gw/models/llama/v1/chat/completions", { method: "POST", body }));
 */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const models = parseModels(options.models);
  const now = options.now ?? Date.now;
  const monotonicNow = options.monotonicNow ?? (() => performance.now());
  const hostFetch = options.fetch ?? fetch;
  const maxSignature = options.maxPaymentSignatureBytes ?? DEFAULT_MAX_PAYMENT_SIGNATURE_BYTES;
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const onError = options.onError ?? ((error: unknown) => console.error("gateway: unexpected failure", error));
  const limiter = options.rateLimiter ?? new TokenBucketRateLimiter(now);

  const routes = new Map<string, ModelRoute>();
  const svmChannels = options.svmChannels ?? new MemorySvmChannelStore();
  for (const model of models) {
    const route = isSvmModel(model)
      ? await svmRoute(model, options.facilitator, svmChannels, options.svmCheckpoints)
      : await evmRoute(model, options);
    routes.set(model.key, route);
  }

  // The charge is recorded in the channel already: a checkpoint that fails to write must not turn a served, charged
  // call into an error. The next call's checkpoint (a higher cumulative) supersedes it, and the channel record keeps
  // the voucher too.
  const recordCheckpoint = async (checkpoint: VoucherCheckpoint) => {
    try {
      await options.checkpoints.record(checkpoint);
    } catch (error) {
      onError(error);
    }
  };

  // As above, for a Solana channel's voucher (what the vault pulls at the epoch's end).
  const recordSvmCheckpoint = async (checkpoint: SvmVoucherCheckpoint) => {
    try {
      await options.svmCheckpoints?.record(checkpoint);
    } catch (error) {
      onError(error);
    }
  };

  // Signs a call's receipt and keeps it as evidence. Keeping it is best effort like a checkpoint: a store outage must
  // not turn a served call into an error (the buyer holds the signed receipt either way).
  const attest = async (chainId: number, receipt: UsageReceipt): Promise<string> => {
    const signed = await signUsageReceipt(options.receiptSigner, chainId, receipt);
    try {
      await options.usageReceipts.record(signed);
    } catch (error) {
      onError(error);
    }
    return encodeUsageReceipt(signed);
  };

  // Each model's pause as last read, so a call costs no store read while the reading is fresh.
  const pauses = new Map<bigint, { readonly at: number; readonly pause: { readonly reason: string } | undefined }>();
  const pauseOf = async (modelId: bigint): Promise<{ readonly reason: string } | undefined> => {
    if (options.modelPauses === undefined) return undefined;
    const known = pauses.get(modelId);
    const at = monotonicNow();
    if (known !== undefined && at - known.at < MODEL_PAUSE_TTL_MS) return known.pause;
    const pause = await options.modelPauses.pauseOf(modelId);
    pauses.set(modelId, { at, pause });
    return pause;
  };

  // The SLA terms shown in a 402: the running epoch's from the source (an unpaid 402 may wait for a read in flight, a
  // paid call's corrective 402 never does), or the model's configured ones without a source.
  const slaTermsCache =
    options.slaTerms === undefined ? undefined : new SlaTermsCache(options.slaTerms, { now: monotonicNow, onError });
  const slaTermsOf = async (model: GatewayModel, mayWait: boolean): Promise<Record<string, unknown> | undefined> => {
    if (slaTermsCache === undefined) return model.sla;
    const epoch = epochAt(model.clock, now());
    if (mayWait) await slaTermsCache.ready(model.modelId, epoch);
    return slaTermsCache.shown(model.modelId, epoch);
  };

  const serve = async (request: Request): Promise<Response> => {
    const startedAt = now();
    const url = new URL(request.url);
    const match = /^\/models\/([^/]+)(\/.*)?$/.exec(url.pathname);
    const route = match?.[1] === undefined ? undefined : routes.get(match[1]);
    if (route === undefined) throw new UnknownModelError(url.pathname);
    const method = request.method;
    const refundsAllowed = !isSvmModel(route.model);
    if (method !== "POST" && !(method === "GET" && refundsAllowed)) throw new MethodNotAllowedError(method);
    const pause = await pauseOf(route.model.modelId);
    if (pause !== undefined) {
      throw new ModelPausedError(route.model.key, pause.reason, Math.ceil(MODEL_PAUSE_TTL_MS / 1_000));
    }
    const header = request.headers.get("payment-signature");
    const payment = header === null ? undefined : checkPaymentSignature(header, maxSignature);
    // A GET is the SDK's refund probe (no payment: the 402) or its refund request; it never reaches a host.
    if (method === "GET" && payment !== undefined && !isBatchSettlementRefundPayload(payment.payload)) {
      throw new MethodNotAllowedError(method, "model calls are POST, a GET only asks for a refund");
    }
    const body = method === "GET" ? new Uint8Array() : await readBody(request, maxBody);

    const context: HTTPRequestContext = {
      adapter: fetchAdapter(request, url),
      path: url.pathname,
      method,
      ...(header === null ? {} : { paymentHeader: header }),
    };
    const result = await route.http.processHTTPRequest(context);
    // A refund is settled by the SDK without the handler (skipHandler): its answer is here too.
    if (result.type === "payment-error") {
      if (result.response.status !== 402) return responseOf(result.response);
      return responseOf(withSlaTerms(result.response, await slaTermsOf(route.model, header === null)));
    }
    if (result.type === "no-payment-required") throw new Error(`route ${route.model.key} answered without payment`);
    if (method === "GET") throw new MethodNotAllowedError(method, "model calls are POST, a GET only asks for a refund");

    const { paymentPayload, paymentRequirements, cancellationDispatcher } = result;
    const paid = paidOf(paymentPayload);
    const { payer } = paid;
    const { model } = route;

    // Only a verified payer is limited (a header's claim alone could exhaust another buyer's bucket); a refused call
    // releases the channel reservation, so nothing is charged. EVM addresses are keyed lowercase, base58 keys as is.
    const buyerKey = paid.kind === "evm" ? payer.toLowerCase() : payer;
    let decision: RateLimitDecision;
    try {
      decision = await limiter.take(`${buyerKey}|${model.key}`, model.rateLimit);
    } catch (error) {
      // Fail closed (see RateLimitUnavailableError): the call is refused and its reservation released; the operators
      // hear of the outage, the buyer only sees a 503.
      onError(error);
      await cancel(cancellationDispatcher, 503, error);
      throw new RateLimitUnavailableError(model.key, error);
    }
    if (!decision.allowed) {
      await cancel(cancellationDispatcher, 429);
      throw new RateLimitedError(payer, model.key, decision.retryAfterSeconds);
    }

    const transport: HTTPTransportContext = { request: context };
    const call: PaidCall = {
      chainId: route.chainId,
      model,
      paid,
      requestHash: requestHashOf(url.pathname, body),
      epoch: epochAt(model.clock, startedAt),
      // Both bindings' channel ids are 32 bytes of hex (the SVM payload's schema checks it).
      channelId: lowerHex(paid.voucher.voucher.channelId as Hex),
      startedAt,
      settle: (amount) =>
        route.http.processSettlement(paymentPayload, paymentRequirements, result.declaredExtensions, transport, {
          amount: amount.toString(),
        }),
      release: (status, error) => cancel(cancellationDispatcher, status, error),
    };
    const forward: ForwardRequest = {
      url: `${model.hostUrl.replace(/\/$/, "")}${match?.[2] ?? "/"}`,
      body,
      contentType: request.headers.get("content-type") ?? "application/json",
      timeoutMs: model.hostTimeoutMs,
      nowMs: monotonicNow,
      fetch: hostFetch,
    };
    const called = monotonicNow();
    let answer: HostAnswer | HostStreamAnswer;
    try {
      answer = asksToStream(body)
        ? await streamFromHost({ ...forward, body: withUsageRequested(body) })
        : await forwardToHost(forward);
    } catch (error) {
      return failedBeforeServing(call, error, called);
    }
    if ("refused" in answer) {
      await call.release(answer.refused.status);
      return answer.refused;
    }
    if ("stream" in answer) return relayStream(call, answer.stream, called);
    return chargeWholeAnswer(call, "answer" in answer ? answer.answer : answer);
  };

  // A host that failed before anything reached the buyer: nothing is charged, the reservation is released, and the
  // failure is evidence of downtime, attested like a served call.
  const failedBeforeServing = async (call: PaidCall, error: unknown, called: number): Promise<Response> => {
    await call.release(error instanceof GatewayError ? error.status : 500, error);
    if (!(error instanceof HostFailedError)) throw error;
    const elapsedMs = Math.round(monotonicNow() - called);
    const receipt = await attestFailure(call, elapsedMs, elapsedMs);
    const response = errorResponse(error);
    response.headers.set(USAGE_RECEIPT_HEADER, receipt);
    return response;
  };

  const attestFailure = (call: PaidCall, ttfbMs: number, latencyMs: number) =>
    attest(call.chainId, {
      ...receiptBase(call),
      inputTokens: 0n,
      outputTokens: 0n,
      served: false,
      charge: 0n,
      cumulative: 0n,
      ttfbMs,
      latencyMs,
      finishedAt: BigInt(Math.floor(now())),
    });

  /**
   * Charges a served call its usage (capped at the ceiling) through the SDK's settlement, checkpoints the voucher
   * and signs the receipt; or the SDK's refusal when the charge could not be recorded.
   */
  const charge = async (
    call: PaidCall,
    usage: TokenUsage,
    latencies: { readonly ttfbMs: number; readonly latencyMs: number },
  ): Promise<
    { readonly settled: ProcessSettleSuccessResponse; readonly receipt: string } | { readonly refused: Response }
  > => {
    const amount = chargeFor(call.model.price, usage);
    const settled = await call.settle(amount);
    if (!settled.success) return { refused: responseOf(settled.response) };
    const state = channelStateSchema.safeParse(settled.extra);
    const cumulative = state.success ? BigInt(state.data.channelState.chargedCumulativeAmount) : amount;
    const { paid } = call;
    if (paid.kind === "svm") {
      await recordSvmCheckpoint(
        svmCheckpointOf(call.chainId, call.model.modelId, call.epoch, paid.voucher, cumulative, now()),
      );
    } else {
      await recordCheckpoint(
        checkpointOf(call.chainId, call.model.modelId, call.epoch, paid.voucher, cumulative, now()),
      );
    }
    const receipt = await attest(call.chainId, {
      ...receiptBase(call),
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens,
      served: true,
      charge: amount,
      cumulative,
      ttfbMs: Math.round(latencies.ttfbMs),
      latencyMs: Math.round(latencies.latencyMs),
      finishedAt: BigInt(Math.floor(now())),
    });
    return { settled, receipt };
  };

  const chargeWholeAnswer = async (call: PaidCall, answer: HostAnswer): Promise<Response> => {
    const charged = await charge(call, answer.usage, answer);
    if ("refused" in charged) return charged.refused;
    const headers = new Headers(charged.settled.headers);
    headers.set("content-type", answer.contentType);
    headers.set(USAGE_RECEIPT_HEADER, charged.receipt);
    return new Response(answer.body, { status: answer.status, headers });
  };

  /**
   * A call that asked for `stream: true` and got a stream: the host's events are relayed as they arrive, so the response head leaves
   * before the charge is known. The voucher stays reserved (the channel serialized) until the stream ends; then the
   * call is charged its usage and the settlement (what `PAYMENT-RESPONSE` would carry) and the signed receipt come as
   * a last `x402-payment-response` event before `[DONE]`. A host that breaks off mid-stream: an `error` event with the
   * failure's receipt, nothing charged. A buyer who hangs up: the host is dropped and what was relayed is charged.
   */
  const relayStream = (call: PaidCall, host: HostEventStream, called: number): Response => {
    const tally = new StreamTally();
    const encoder = new TextEncoder();
    // Set once the call is charged or failed: a later hang-up has nothing left to settle.
    let ended = false;
    // Set when the buyer hangs up: a read that was waiting then has nothing left to do.
    let buyerGone = false;
    const enqueue = (controller: ReadableStreamDefaultController<Uint8Array>, text: string) => {
      if (!buyerGone) controller.enqueue(encoder.encode(text));
    };
    const close = (controller: ReadableStreamDefaultController<Uint8Array>) => {
      if (!buyerGone) controller.close();
    };
    // Relays whole events; true once the host's `[DONE]` came (held back until the charge is settled).
    const relay = (controller: ReadableStreamDefaultController<Uint8Array>, events: readonly SseEvent[]) => {
      for (const event of events) {
        if (tally.observe(event) === "done") return true;
        enqueue(controller, `${event.raw}\n\n`);
      }
      return false;
    };

    const finish = async (controller: ReadableStreamDefaultController<Uint8Array>) => {
      ended = true;
      await host.cancel(); // anything after [DONE] is not part of the answer
      const latencyMs = monotonicNow() - called;
      const charged = await charge(call, tally.usage(), { ttfbMs: host.ttfbMs, latencyMs });
      if ("refused" in charged) {
        const refusal = charged.refused;
        enqueue(
          controller,
          sseEvent({
            event: "error",
            data: JSON.stringify({
              choices: [],
              error: {
                type: "payment_error",
                code: "payment_not_settled",
                message: "The charge could not be recorded; nothing was charged.",
                status: refusal.status,
              },
              payment_required: refusal.headers.get("payment-required"),
            }),
          }),
        );
        close(controller);
        return;
      }
      enqueue(
        controller,
        sseEvent({
          event: STREAM_PAYMENT_EVENT,
          data: JSON.stringify({
            object: STREAM_PAYMENT_EVENT,
            // OpenAI-style clients read every data line as a chunk: an empty choices list makes it one they skip.
            choices: [],
            payment_response: paymentResponseOf(charged.settled.headers),
            usage_receipt: charged.receipt,
          }),
        }),
      );
      enqueue(controller, "data: [DONE]\n\n");
      close(controller);
    };

    const fail = async (controller: ReadableStreamDefaultController<Uint8Array>, error: unknown) => {
      ended = true;
      await host.cancel();
      await call.release(error instanceof GatewayError ? error.status : 500, error);
      let receipt: string | undefined;
      if (error instanceof HostFailedError) {
        // A broken stream is a failed call: evidence of downtime, and a truncated answer is not charged.
        receipt = await attestFailure(call, Math.round(host.ttfbMs), Math.round(monotonicNow() - called));
      } else {
        onError(error);
      }
      const failure = error instanceof GatewayError ? error : undefined;
      enqueue(
        controller,
        sseEvent({
          event: "error",
          data: JSON.stringify({
            choices: [],
            error: {
              type: "server_error",
              code: failure?.code ?? "internal_error",
              message: failure?.shortMessage ?? "The gateway failed unexpectedly.",
            },
            ...(receipt === undefined ? {} : { usage_receipt: receipt }),
          }),
        }),
      );
      close(controller);
    };

    const body = new ReadableStream<Uint8Array>({
      start: async (controller) => {
        if (relay(controller, host.first)) await finish(controller).catch((error: unknown) => fail(controller, error));
      },
      pull: async (controller) => {
        if (ended) return;
        try {
          const events = await host.next();
          // The buyer hung up while this read waited: the hang-up settles the call, not this read's outcome.
          if (buyerGone) return;
          if (events === undefined) throw new HostFailedError("interrupted", "the host's stream ended before [DONE]");
          if (relay(controller, events)) await finish(controller);
        } catch (error) {
          if (!buyerGone) await fail(controller, error);
        }
      },
      cancel: async () => {
        buyerGone = true;
        if (ended) return;
        ended = true;
        await host.cancel();
        try {
          await hungUp(call, tally, host.ttfbMs, monotonicNow() - called);
        } catch (error) {
          onError(error);
        }
      },
    });
    const headers = new Headers({ "content-type": host.contentType, "cache-control": "no-cache" });
    return new Response(body, { status: host.status, headers });
  };

  // The buyer hung up mid-stream: the host's work for it stops, and the buyer pays for the output it was sent
  // (counted deltas; the host's usage comes only at the end). Nothing relayed yet: nothing charged.
  const hungUp = async (call: PaidCall, tally: StreamTally, ttfbMs: number, latencyMs: number) => {
    if (tally.deltas === 0n) {
      await call.release(499);
      return;
    }
    await charge(call, { inputTokens: 0n, outputTokens: tally.deltas }, { ttfbMs, latencyMs });
  };

  return {
    handle: async (request) => {
      try {
        return await serve(request);
      } catch (error) {
        if (error instanceof GatewayError) return errorResponse(error);
        onError(error);
        return Response.json({ error: "internal_error", message: "The gateway failed unexpectedly." }, { status: 500 });
      }
    },
  };
}

/** A verified, reserved call on its way to the host: what charging, releasing and attesting it need. */
interface PaidCall {
  readonly chainId: number;
  readonly model: GatewayModel;
  readonly paid: Paid;
  readonly requestHash: Hex;
  readonly epoch: bigint;
  readonly channelId: Hex;
  readonly startedAt: number;
  /** Records the charge in the channel through the SDK (the reservation ends). */
  settle(amount: bigint): Promise<ProcessSettleResultResponse>;
  /** Releases the reservation, charging nothing. */
  release(responseStatus: number, error?: unknown): Promise<void>;
}

/** The receipt fields a call knows before the host answers. */
function receiptBase(call: PaidCall) {
  return {
    requestHash: call.requestHash,
    model: call.model.model,
    modelId: call.model.modelId,
    epoch: call.epoch,
    channelId: call.channelId,
    payer: payerBytes32(call.paid),
    startedAt: BigInt(Math.floor(call.startedAt)),
  };
}

const streamRequestSchema = z.looseObject({
  stream: z.literal(true),
  stream_options: z.looseObject({}).nullish(),
});

/** Whether the body is an OpenAI-style request with `stream: true`. */
function asksToStream(body: Uint8Array): boolean {
  return streamRequestSchema.safeParse(parseJson(body)).success;
}

/**
 * The body forwarded for a streamed call: `stream_options.include_usage` set, so the host ends its stream with the
 * usage the call is charged by (the buyer's other stream options kept; its own body is what the receipt hashes).
 */
function withUsageRequested(body: Uint8Array): Uint8Array {
  const request = streamRequestSchema.parse(parseJson(body));
  return new TextEncoder().encode(
    JSON.stringify({ ...request, stream_options: { ...request.stream_options, include_usage: true } }),
  );
}

function parseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(body));
  } catch {
    return undefined;
  }
}

/** The `PAYMENT-RESPONSE` value among the SDK's settlement headers (whatever their case). */
function paymentResponseOf(headers: Record<string, string>): string | undefined {
  return Object.entries(headers).find(([name]) => name.toLowerCase() === "payment-response")?.[1];
}

/** slabridge's code for a voucher on a channel whose payer has started a timed withdrawal. */
export const CHANNEL_WITHDRAWAL_PENDING = "channel_withdrawal_pending";

/**
 * Refuses a verified voucher when the channel has a withdrawal pending (`withdrawRequestedAt` in the verify result,
 * the facilitator's on-chain read or the scheme's fresh mirror): serving it would be work the payer can withdraw
 * from under the receiver before a claim lands.
 */
const refuseChannelUnderWithdrawal: AfterVerifyHook = async ({ result }) => {
  const requestedAt = result.extra?.withdrawRequestedAt;
  if (requestedAt === undefined || requestedAt === 0 || requestedAt === "0") return;
  return {
    abort: true,
    reason: CHANNEL_WITHDRAWAL_PENDING,
    message: "The channel has a withdrawal pending; top up or open a new channel.",
  };
};

function parseModels(input: readonly GatewayModelInput[]): GatewayModel[] {
  const parsed = z.array(gatewayModelSchema).min(1).safeParse(input);
  if (!parsed.success) throw new InvalidGatewayConfigError(z.prettifyError(parsed.error));
  const keys = new Set<string>();
  for (const model of parsed.data) {
    if (keys.has(model.key)) throw new InvalidGatewayConfigError(`two models share the key ${model.key}`);
    keys.add(model.key);
    checkHostTimeout(model.key, model.hostTimeoutMs, model.maxTimeoutSeconds);
  }
  return parsed.data;
}

/**
 * The terms a buyer sees in `extra.slabridge` but the SLA: prices per token and the epoch (bigints as decimal
 * strings). The SLA is added to each 402 as it goes out ({@link withSlaTerms}), so the requirements a payment is
 * matched against do not hold them: a buyer who accepted an earlier epoch's terms (or none) still pays.
 */
function slabridgeTerms(model: GatewayModel): Record<string, unknown> {
  const json = JSON.stringify(
    {
      model: model.model,
      modelId: model.modelId,
      perInputToken: model.price.perInputToken,
      perOutputToken: model.price.perOutputToken,
      epochSeconds: model.clock.epochSeconds,
    },
    (_, value: unknown) => (typeof value === "bigint" ? value.toString() : value),
  );
  return z.record(z.string(), z.unknown()).parse(JSON.parse(json));
}

/** The 402 with `sla` in each accepted requirement's `extra.slabridge` (none: as it was). */
function withSlaTerms(
  response: HTTPResponseInstructions,
  sla: Record<string, unknown> | undefined,
): HTTPResponseInstructions {
  const name = Object.keys(response.headers).find((key) => key.toLowerCase() === "payment-required");
  const header = name === undefined ? undefined : response.headers[name];
  if (sla === undefined || name === undefined || header === undefined) return response;
  const required = decodePaymentRequiredHeader(header);
  const accepts = required.accepts.map((accept) => {
    const terms = slabridgeExtraSchema.safeParse(accept.extra?.slabridge);
    return terms.success ? { ...accept, extra: { ...accept.extra, slabridge: { ...terms.data, sla } } } : accept;
  });
  return {
    ...response,
    headers: { ...response.headers, [name]: encodePaymentRequiredHeader({ ...required, accepts }) },
  };
}

const slabridgeExtraSchema = z.record(z.string(), z.unknown());

async function readBody(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw new RequestTooLargeError(maxBytes);
  const body = new Uint8Array(await request.arrayBuffer());
  if (body.length > maxBytes) throw new RequestTooLargeError(maxBytes);
  return body;
}

/** The voucher part of a paid payload: a deposit carries one as a plain voucher does. */
type PaidVoucher = Pick<BatchSettlementVoucherPayload, "channelConfig" | "voucher">;

/** A verified payment: an EVM voucher or deposit, or a Solana voucher, with its payer. */
type Paid =
  | { kind: "evm"; voucher: PaidVoucher; payer: string }
  | { kind: "svm"; voucher: SvmVoucherPayload; payer: string };

function paidOf(payment: PaymentPayload): Paid {
  const raw = payment.payload;
  // The SVM payload first: the SDK's EVM guards look at the shape only, and an SVM voucher has that shape too.
  const svm = svmVoucherPayloadSchema.safeParse(raw);
  if (svm.success) return { kind: "svm", voucher: svm.data, payer: svm.data.channelConfig.payer };
  if (isBatchSettlementVoucherPayload(raw) || isBatchSettlementDepositPayload(raw)) {
    return { kind: "evm", voucher: raw, payer: getAddress(raw.channelConfig.payer) };
  }
  // The SDK verified it as a batch-settlement payment; a refund payload never reaches the handler.
  throw new MalformedPaymentSignatureError("the payment is neither a voucher nor a deposit");
}

/** The payer as 32 bytes: an EVM address left-padded with zeros, a Solana key's bytes. */
function payerBytes32(paid: Paid): Hex {
  if (paid.kind === "evm") return `0x${"0".repeat(24)}${paid.payer.slice(2).toLowerCase()}`;
  return `0x${Buffer.from(base58.decode(paid.payer)).toString("hex")}`;
}

/** The checkpoint of a charged Solana call: the voucher it was paid with and the channel's charged cumulative after it. */
function svmCheckpointOf(
  chainId: number,
  modelId: bigint,
  epoch: bigint,
  paid: SvmVoucherPayload,
  totalClaimed: bigint,
  updatedAt: number,
): SvmVoucherCheckpoint {
  const { channelConfig, voucher } = paid;
  return {
    chainId,
    modelId,
    epoch,
    channelId: voucher.channelId.slice(2),
    payer: channelConfig.payer,
    tokenAccount: channelConfig.tokenAccount,
    salt: channelConfig.salt.slice(2),
    signedCumulative: BigInt(voucher.maxClaimableAmount),
    signature: Buffer.from(base58.decode(voucher.signature)).toString("hex"),
    totalClaimed,
    updatedAt,
  };
}

/** The checkpoint of a charged call: the voucher it was paid with and the channel's charged cumulative after it. */
function checkpointOf(
  chainId: number,
  modelId: bigint,
  epoch: bigint,
  paid: PaidVoucher,
  totalClaimed: bigint,
  updatedAt: number,
): VoucherCheckpoint {
  const { channelConfig, voucher } = paid;
  return {
    chainId,
    receiver: lowerHex(channelConfig.receiver),
    modelId,
    epoch,
    channelId: lowerHex(voucher.channelId),
    channel: {
      payer: channelConfig.payer,
      payerAuthorizer: channelConfig.payerAuthorizer,
      receiver: channelConfig.receiver,
      receiverAuthorizer: channelConfig.receiverAuthorizer,
      token: channelConfig.token,
      withdrawDelay: channelConfig.withdrawDelay,
      salt: channelConfig.salt,
    },
    maxClaimableAmount: BigInt(voucher.maxClaimableAmount),
    signature: voucher.signature,
    totalClaimed,
    updatedAt,
  };
}

function lowerHex(value: Hex): Hex {
  return `0x${value.slice(2).toLowerCase()}`;
}

/** The request a receipt is about: keccak256 of `POST <path>\n` followed by the body bytes. */
function requestHashOf(path: string, body: Uint8Array): Hex {
  return keccak256(concat([toBytes(`POST ${path}\n`), body]));
}

async function cancel(dispatcher: PaymentCancellationDispatcher, responseStatus: number, error?: unknown) {
  await dispatcher.cancel({ reason: "handler_failed", responseStatus, ...(error === undefined ? {} : { error }) });
}

function errorResponse(error: GatewayError): Response {
  const headers = new Headers({ "content-type": "application/json" });
  if (
    error instanceof RateLimitedError ||
    error instanceof ModelPausedError ||
    error instanceof RateLimitUnavailableError
  ) {
    headers.set("retry-after", String(error.retryAfterSeconds));
  }
  return new Response(JSON.stringify({ error: error.code, message: error.shortMessage }), {
    status: error.status,
    headers,
  });
}
