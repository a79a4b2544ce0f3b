import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { InvalidReceiptError } from "./InvalidReceiptError.ts";
import { encodeUsageReceipt, signUsageReceipt, type UsageReceipt, verifyUsageReceipt } from "./usageReceipt.ts";

describe("usage receipts", () => {
  const gateway = privateKeyToAccount(generatePrivateKey());
  const receipt: UsageReceipt = {
    requestHash: `0x${"11".repeat(32)}`,
    model: "llama-demo",
    modelId: 2n,
    epoch: 7n,
    channelId: `0x${"22".repeat(32)}`,
    payer: privateKeyToAccount(generatePrivateKey()).address,
    inputTokens: 12n,
    outputTokens: 34n,
    charge: 194n,
    cumulative: 390n,
    ttfbMs: 41,
    latencyMs: 43,
    startedAt: 1_765_000_000_000n,
    finishedAt: 1_765_000_000_044n,
  };

  it("round-trips a signed receipt through its header and verifies the gateway's signature", async () => {
    const header = encodeUsageReceipt(await signUsageReceipt(gateway, 31_337, receipt));
    expect(await verifyUsageReceipt(header, { gateway: gateway.address, chainId: 31_337 })).toEqual(receipt);
  });

  it("rejects a tampered receipt, another signer, another chain and a header that is not a receipt", async () => {
    const signed = await signUsageReceipt(gateway, 31_337, receipt);
    const tampered = encodeUsageReceipt({ ...signed, receipt: { ...receipt, charge: 1n } });
    const options = { gateway: gateway.address, chainId: 31_337 };
    await expect(verifyUsageReceipt(tampered, options)).rejects.toBeInstanceOf(InvalidReceiptError);
    const other = privateKeyToAccount(generatePrivateKey()).address;
    await expect(verifyUsageReceipt(encodeUsageReceipt(signed), { ...options, gateway: other })).rejects.toThrow(
      /not by the gateway/,
    );
    await expect(verifyUsageReceipt(encodeUsageReceipt(signed), { ...options, chainId: 1 })).rejects.toBeInstanceOf(
      InvalidReceiptError,
    );
    await expect(verifyUsageReceipt("%%%", options)).rejects.toBeInstanceOf(InvalidReceiptError);
  });
});
