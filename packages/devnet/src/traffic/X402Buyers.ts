import { USAGE_RECEIPT_HEADER, usageReceiptOfHeader } from "@slabridge/core";
import { anvilDevAccount, evmPayingFetch } from "@slabridge/evm";
import { decodePaymentResponseHeader } from "@x402/core/http";
import { getAddress, type Hex, type LocalAccount } from "viem";
import type { Devnet } from "../startDevnet.ts";
import { DevnetShapeError } from "./DevnetShapeError.ts";

/** A chat completion request for `model` (the host's usage of it decides the charge). */
function demoChat(model: string): string {
  return JSON.stringify({
    model,
    messages: [{ role: "user", content: "Summarize the SLA of this model in one sentence." }],
  });
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
 * a cumulative voucher). No slabridge code is on the buyer's side: this is what an AI agent runs.
 *
 * @example
 * const buyers = new X402Buyers(devnet);
 * const call = await buyers.call("http://127.0.0.1:4021/models/healthy-evm-a/v1/chat/completions", 31337, 0, "demo-model-1");
 */
export class X402Buyers {
  readonly calls: PaidCall[] = [];
  readonly #devnet: Devnet;
  readonly #fetches = new Map<string, typeof fetch>();

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
    const response = await pay(call.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: demoChat(call.model),
    });
    await response.arrayBuffer(); // the answer itself does not matter here; the connection is freed
    const header = response.headers.get("payment-response");
    const settled = header === null ? undefined : decodePaymentResponseHeader(header);
    const extra = settled?.extra as { chargedAmount?: string; channelState?: { chargedCumulativeAmount?: string } };
    const named = usageReceiptOfHeader(response.headers.get(USAGE_RECEIPT_HEADER))?.receipt;
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
