import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { MemoryUsageReceiptStore, MemoryVoucherCheckpointStore, parseStageConfig } from "@slabridge/core";
import { type Devnet, demoSlaTerms, devnetChainsOf, startDevnet, X402Buyers } from "@slabridge/devnet";
import { MemoryChannelRecordStore, TokenBucketRateLimiter } from "@slabridge/gateway";
import { MemoryNonceStore } from "@slabridge/store";
import { toClientEvmSigner } from "@x402/evm";
import { BatchSettlementEvmScheme } from "@x402/evm/batch-settlement/client";
import { wrapFetchWithPayment, x402Client } from "@x402/fetch";
import { erc20Abi } from "viem";
import { generatePrivateKey } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalGateways, startLocalGateways } from "./startLocalGateways.ts";

const configJson = JSON.parse(
  readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../config/devnet.json"), "utf8"),
) as unknown;

describe("the local gateways (the gateway function's service on the devnet)", () => {
  let devnet: Devnet;
  let gateways: LocalGateways;

  beforeAll(async () => {
    devnet = await startDevnet({ epochSeconds: 30, payPerCall: true });
    gateways = await startLocalGateways({
      devnet,
      config: parseStageConfig(configJson),
      receiptKey: generatePrivateKey(),
      stores: {
        channels: new MemoryChannelRecordStore(),
        checkpoints: new MemoryVoucherCheckpointStore(),
        usageReceipts: new MemoryUsageReceiptStore(),
        rateLimits: new TokenBucketRateLimiter(() => Date.now()),
        nonces: new MemoryNonceStore(),
      },
    });
  }, 120_000);

  afterAll(async () => {
    await gateways?.stop();
    await devnet?.stop();
  });

  it("takes every buyer's first call (a deposit each) at once, on every model: the facilitator key's deposits never share a nonce", async () => {
    // The facilitator is a KMS key the node does not hold: before its deposits went through one nonce-safe sender,
    // concurrent deposits each took the node's pending nonce and all but one failed (402 to the buyer).
    expect(devnet.manifest.keys.x402Facilitator?.kind).toBe("kms");
    const chain = devnetChainsOf(devnet.manifest).evm[0];
    if (!chain) throw new Error("the devnet has no EVM chain");
    const buyers = new X402Buyers(devnet);
    const calls = devnet.manifest.models.flatMap((model) => {
      const url = gateways.urlOf(BigInt(model.modelId), chain.chainId);
      const name = gateways.modelNameOf(BigInt(model.modelId));
      if (!url || !name) throw new Error(`model ${model.modelId} is not sold on ${chain.chainId}`);
      return buyers.buyers().map((_, index) => buyers.call(url, chain.chainId, index, name));
    });
    const made = await Promise.all(calls);
    expect(made.length).toBeGreaterThanOrEqual(6);
    // No payment refused: every call was paid for (the poorUptime host may fail one: 502, not charged).
    expect(made.filter((call) => call.status !== 200 && call.status !== 502).map((call) => call.status)).toEqual([]);
    for (const call of made) expect(call.charged > 0n).toBe(call.status === 200);
    expect(made.filter((call) => call.status === 200).length).toBeGreaterThanOrEqual(made.length - 2);
  });

  it("shows a buyer the model's on-chain SLA terms in the 402, before any money moves", async () => {
    const model = devnet.manifest.models[0];
    const chain = devnetChainsOf(devnet.manifest).evm[0];
    if (!model || !chain) throw new Error("the devnet has no model or EVM chain");
    const url = gateways.urlOf(BigInt(model.modelId), chain.chainId);
    if (!url) throw new Error(`model ${model.modelId} is not sold on ${chain.chainId}`);
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: gateways.modelNameOf(BigInt(model.modelId)), messages: [] }),
    });
    expect(response.status).toBe(402);
    const required = JSON.parse(Buffer.from(response.headers.get("payment-required") ?? "", "base64").toString());
    const sla = required.accepts?.[0]?.extra?.slabridge?.sla;
    expect(sla).toEqual({
      asOfEpoch: expect.stringMatching(/^\d+$/),
      maxP95LatencyMs: demoSlaTerms.maxP95LatencyMs,
      minUptimeBps: demoSlaTerms.minUptimeBps,
      probeTimeoutMs: demoSlaTerms.probeTimeoutMs,
      latencyBreachRefundBps: demoSlaTerms.latencyBreachRefundBps,
      refundTiers: demoSlaTerms.tiers.map((tier) => ({ ...tier })),
    });
  });

  it("gives a buyer its unspent deposit back on request: the facilitator's KMS key signs for the SlaReceiver, which the channel contract checks through EIP-1271", async () => {
    const model = devnet.manifest.models[0];
    const chain = devnetChainsOf(devnet.manifest).evm[0];
    const buyer = new X402Buyers(devnet).buyers()[0];
    if (!model || !chain || !buyer) throw new Error("the devnet has no model, EVM chain or buyer");
    const url = gateways.urlOf(BigInt(model.modelId), chain.chainId);
    if (!url) throw new Error(`model ${model.modelId} is not sold on ${chain.chainId}`);
    const { publicClient } = devnet.evm.clients(chain.chainId);
    // A channel of its own (its salt), apart from the one the first test's client opened.
    const scheme = new BatchSettlementEvmScheme(toClientEvmSigner(buyer, publicClient), {
      salt: `0x${"11".repeat(32)}`,
    });
    const client = new x402Client().register(`eip155:${chain.chainId}`, scheme);
    client.setSpendControls(false);
    const pay = wrapFetchWithPayment(fetch, client);
    const answer = await pay(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: gateways.modelNameOf(BigInt(model.modelId)),
        messages: [{ role: "user", content: "what is an SLA" }],
      }),
    });
    expect(answer.status).toBe(200);
    const balance = () =>
      publicClient.readContract({
        address: chain.stablecoin.address,
        abi: erc20Abi,
        functionName: "balanceOf",
        args: [buyer.address],
      });
    const held = await balance();
    const settled = await scheme.refund(url);
    expect(settled.success).toBe(true);
    expect(BigInt(settled.amount ?? "0")).toBeGreaterThan(0n);
    expect(await balance()).toBe(held + BigInt(settled.amount ?? "0"));
  });
});
