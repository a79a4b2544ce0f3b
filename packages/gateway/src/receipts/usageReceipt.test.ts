import { usageReceiptDigest } from "@slabridge/core";
import fc from "fast-check";
import { hashTypedData, recoverAddress } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { InvalidReceiptError } from "./InvalidReceiptError.ts";
import {
  encodeUsageReceipt,
  signUsageReceipt,
  type UsageReceipt,
  usageReceiptDomain,
  usageReceiptTypes,
  verifyUsageReceipt,
} from "./usageReceipt.ts";

describe("usage receipts", () => {
  const gateway = privateKeyToAccount(generatePrivateKey());
  const receipt: UsageReceipt = {
    requestHash: `0x${"11".repeat(32)}`,
    model: "llama-demo",
    modelId: 2n,
    epoch: 7n,
    channelId: `0x${"22".repeat(32)}`,
    payer: `0x${"00".repeat(12)}${privateKeyToAccount(generatePrivateKey()).address.slice(2).toLowerCase()}`,
    inputTokens: 12n,
    outputTokens: 34n,
    served: true,
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
    const flipped = encodeUsageReceipt({ ...signed, receipt: { ...receipt, served: false } });
    await expect(verifyUsageReceipt(flipped, options)).rejects.toBeInstanceOf(InvalidReceiptError);
  });

  it("is signed over the digest core computes without a chain SDK (what the evaluator and the probers recover)", async () => {
    const signed = await signUsageReceipt(gateway, 31_337, receipt);
    expect(await recoverAddress({ hash: usageReceiptDigest(31_337, receipt), signature: signed.signature })).toBe(
      gateway.address,
    );
    const hex32 = fc
      .uint8Array({ minLength: 32, maxLength: 32 })
      .map((b) => `0x${Buffer.from(b).toString("hex")}` as const);
    const u = (bits: number) => fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n });
    const ms = fc.integer({ min: 0, max: 2 ** 32 - 1 });
    fc.assert(
      fc.property(
        fc.record({
          requestHash: hex32,
          model: fc.string(),
          modelId: u(256),
          epoch: u(64),
          channelId: hex32,
          payer: hex32,
          inputTokens: u(64),
          outputTokens: u(64),
          served: fc.boolean(),
          charge: u(128),
          cumulative: u(128),
          ttfbMs: ms,
          latencyMs: ms,
          startedAt: u(64),
          finishedAt: u(64),
        }),
        fc.integer({ min: 1, max: 2 ** 32 - 1 }),
        (random, chainId) => {
          const viem = hashTypedData({
            domain: usageReceiptDomain(chainId),
            types: usageReceiptTypes,
            primaryType: "UsageReceipt",
            message: random,
          });
          expect(usageReceiptDigest(chainId, random)).toBe(viem);
        },
      ),
      { numRuns: 200 },
    );
  });
});
