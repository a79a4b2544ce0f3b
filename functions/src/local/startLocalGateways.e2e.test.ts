import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { MemoryUsageReceiptStore, MemoryVoucherCheckpointStore, parseStageConfig } from "@slabridge/core";
import { type Devnet, demoSlaTerms, devnetChainsOf, startDevnet } from "@slabridge/devnet";
import { MemoryChannelRecordStore, TokenBucketRateLimiter } from "@slabridge/gateway";
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
      },
    });
  }, 120_000);

  afterAll(async () => {
    await gateways?.stop();
    await devnet?.stop();
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
});
