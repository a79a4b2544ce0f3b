import { STREAM_PAYMENT_EVENT, USAGE_RECEIPT_HEADER, usageReceiptOfHeader } from "@slabridge/core";
import { anvilDevAccount, evmPayingFetch } from "@slabridge/evm";
import { decodePaymentResponseHeader } from "@x402/core/http";
import { getAddress, type Hex, type LocalAccount } from "viem";
import type { Devnet } from "../startDevnet.ts";
import { DevnetShapeError } from "./DevnetShapeError.ts";

/** A chat completion request for `model` (the host's usage of it decides the charge), streamed or whole. */
function demoChat(model: string, stream: boolean): string {
  return JSON.stringify({
    model,
    messages: [{ role: "user", content: "Summarize the SLA of this model in one sentence." }],
    ...(stream ? { stream: true } : {}),
  });
}

/**
 * What a call's answer says about its payment: the `PAYMENT-RESPONSE` and usage-receipt headers of a whole answer, or
 * the same two values from a streamed answer's last payment event (its head leaves before the charge is known).
 */
async function paymentOf(response: Response): Promise<{ settlement: string | null; receipt: string | null }> {
  if (!(response.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
    await response.arrayBuffer(); // the answer itself does not matter here; the connection is freed
    return {
      settlement: response.headers.get("payment-response"),
      receipt: response.headers.get(USAGE_RECEIPT_HEADER),
    };
  }
  const block = (await response.text())
    .split("\n\n")
    .find((event) => event.startsWith(`event: ${STREAM_PAYMENT_EVENT}\n`));
  const data = block?.split("\n").find((line) => line.startsWith("data: "));
  if (data === undefined) return { settlement: null, receipt: null }; // a failed stream: nothing charged
  const event = JSON.parse(data.slice("data: ".length)) as { payment_response?: string; usage_receipt?: string };
  return { settlement: event.payment_response ?? null, receipt: event.usage_receipt ?? null };
}

/** One call a demo buyer made through a gateway, as the buyer saw it. */
export interface PaidCall {
  chainId: number;
  /** The gateway URL called. */
  url: string;
  /** The payer: an EVM address, or a Solana owner as 32-byte hex. */
  buyer: string;
  status: number;
  /** What the gateway charged for the call (0 when it failed: a failed call is not charged). */
  charged: bigint;
  /** The channel's charged cumulative after the call (undefined when the call was not settled). */
  cumulative: bigint | undefined;
  /** The model and epoch the gateway's signed usage receipt names (undefined without a receipt). */
  modelId: bigint | undefined;
  epoch: bigint | undefined;
  /** The x402 channel the call was paid from (undefined without a receipt). */
  channelId: Hex | undefined;
}

/**
 * The devnet's EVM demo buyers as outside x402 clients: each pays a gateway per call with the stock `@x402/fetch`
 * and the EVM batch-settlement client scheme (its first call deposits into a channel, every call after that signs
 * a cumulative voucher). No slabridge code is on the buyer's side: this is what an AI agent runs. Each buyer asks for
 * whole and streamed answers in turn, per chain: the stock client learns a streamed call's charge from the next
 * call's corrective 402, as an agent's would.
 *
 * @example
 * const buyers = new X402Buyers(devnet);
 * const call = await buyers.call("http://127.0.0.1:4021/models/healthy-evm-a/v1/chat/completions", 31337, 0, "demo-model-1");
 */
export class X402Buyers {
  readonly calls: PaidCall[] = [];
  readonly #devnet: Devnet;
  readonly #fetches = new Map<string, typeof fetch>();
  /** Calls made per (chain, buyer): odd ones stream. */
  readonly #callCounts = new Map<string, number>();

  constructor(devnet: Devnet) {
    this.#devnet = devnet;
  }

  /** The buyer accounts (anvil dev accounts; their keys are anvil's public test keys). */
  buyers(): LocalAccount[] {
    return this.#devnet.manifest.keys.demoBuyers.flatMap((ref) =>
      ref.kind === "anvil-dev-account" ? [anvilDevAccount(ref.index)] : [],
    );
  }

  /** One paid chat completion of `model` by EVM buyer `buyerIndex` (mod the buyers) at a gateway URL on `chainId`. */
  async call(url: string, chainId: number, buyerIndex: number, model: string): Promise<PaidCall> {
    const buyers = this.buyers();
    const buyer = buyers[buyerIndex % buyers.length];
    if (!buyer) throw new DevnetShapeError("the devnet has no EVM demo buyers");
    return this.callWith(this.#payingFetch(chainId, buyer), { url, chainId, buyer: getAddress(buyer.address), model });
  }

  /**
   * One paid chat completion through any x402 paying fetch (another chain family's client scheme). The model and
   * epoch come from the gateway's usage receipt; `modelId`/`epoch` name them where the answer carries none.
   */
  async callWith(
    pay: typeof fetch,
    call: { url: string; chainId: number; buyer: string; model: string; modelId?: bigint; epoch?: bigint },
  ): Promise<PaidCall> {
    const key = `${call.chainId}:${call.buyer}`;
    const made = this.#callCounts.get(key) ?? 0;
    this.#callCounts.set(key, made + 1);
    const response = await pay(call.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: demoChat(call.model, made % 2 === 1),
    });
    const { settlement, receipt } = await paymentOf(response);
    const settled = settlement === null ? undefined : decodePaymentResponseHeader(settlement);
    const extra = settled?.extra as { chargedAmount?: string; channelState?: { chargedCumulativeAmount?: string } };
    const named = usageReceiptOfHeader(receipt)?.receipt;
    const paid: PaidCall = {
      chainId: call.chainId,
      url: call.url,
      buyer: call.buyer,
      status: response.status,
      charged: BigInt(extra?.chargedAmount ?? "0"),
      cumulative:
        extra?.channelState?.chargedCumulativeAmount === undefined
          ? undefined
          : BigInt(extra.channelState.chargedCumulativeAmount),
      modelId: named?.modelId ?? call.modelId,
      epoch: named?.epoch ?? call.epoch,
      channelId: named?.channelId,
    };
    this.calls.push(paid);
    return paid;
  }

  /** One x402 client per (chain, buyer): it keeps the channel's cumulative between calls, as a wallet would. */
  #payingFetch(chainId: number, buyer: LocalAccount): typeof fetch {
    const key = `${chainId}:${buyer.address}`;
    const cached = this.#fetches.get(key);
    if (cached) return cached;
    const { publicClient } = this.#devnet.evm.clients(chainId);
    const pay = evmPayingFetch({ account: buyer, publicClient, chainId });
    this.#fetches.set(key, pay);
    return pay;
  }
}
