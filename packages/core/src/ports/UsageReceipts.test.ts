import { describe, expect, it } from "vitest";
import { type SignedUsageReceipt, usageReceiptJson, usageReceiptOfHeader } from "./UsageReceipts.ts";

const signed: SignedUsageReceipt = {
  chainId: 31_337,
  receipt: {
    requestHash: `0x${"11".repeat(32)}`,
    model: "llama-demo",
    modelId: 7n,
    epoch: 3n,
    channelId: `0x${"22".repeat(32)}`,
    payer: `0x${"33".repeat(32)}`,
    inputTokens: 5n,
    outputTokens: 1n,
    served: true,
    charge: 10n,
    cumulative: 30n,
    ttfbMs: 12,
    latencyMs: 42,
    startedAt: 1_700_000_000_000n,
    finishedAt: 1_700_000_000_042n,
  },
  signature: `0x${"44".repeat(65)}`,
};
const header = (json: unknown) => Buffer.from(JSON.stringify(json)).toString("base64");

describe("usageReceiptOfHeader", () => {
  it("reads back the signed receipt the gateway's header carries", () => {
    expect(usageReceiptOfHeader(header(usageReceiptJson(signed)))).toEqual(signed);
  });

  it("is undefined for a missing, non-base64-JSON or out-of-shape header", () => {
    expect(usageReceiptOfHeader(null)).toBeUndefined();
    expect(usageReceiptOfHeader("not base64 json")).toBeUndefined();
    const { signature: _, ...unsigned } = usageReceiptJson(signed);
    expect(usageReceiptOfHeader(header(unsigned))).toBeUndefined();
    const json = usageReceiptJson(signed);
    expect(usageReceiptOfHeader(header({ ...json, receipt: { ...json.receipt, latencyMs: -1 } }))).toBeUndefined();
  });
});
