import { USAGE_RECEIPT_HEADER, type UsageReceipt, usageReceiptJson } from "@slabridge/core";
import { encodePaymentResponseHeader } from "@x402/core/http";
import { describe, expect, it } from "vitest";
import type { Devnet } from "../startDevnet.ts";
import { X402Buyers } from "./X402Buyers.ts";

describe("X402Buyers", () => {
  it("derives each buyer's key once, not on every paid call (a derivation blocks the event loop for milliseconds)", () => {
    const demoBuyers = [
      { kind: "anvil-dev-account" as const, index: 3, address: "0x90F79bf6EB2c4f870365E785982E1f101E93b906" },
      { kind: "anvil-dev-account" as const, index: 4, address: "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65" },
    ];
    // Only the manifest's buyer keys are read by buyers().
    const buyers = new X402Buyers({ manifest: { keys: { demoBuyers } } } as unknown as Devnet);
    const [first, second] = [buyers.buyers(), buyers.buyers()];
    expect(first.map((a) => a.address)).toEqual(demoBuyers.map((b) => b.address));
    expect(second[0]).toBe(first[0]);
    expect(second[1]).toBe(first[1]);
  });

  it("asks for whole and streamed answers in turn per chain and buyer, and reads the charge of both", async () => {
    const buyers = new X402Buyers({ manifest: { keys: { demoBuyers: [] } } } as unknown as Devnet);
    const channelId = `0x${"ab".repeat(32)}` as const;
    const receiptOf = (charge: bigint, cumulative: bigint, epoch: bigint) => {
      const receipt: UsageReceipt = {
        requestHash: `0x${"01".repeat(32)}`,
        model: "demo-model-1",
        modelId: 2n,
        epoch,
        channelId,
        payer: `0x${"02".repeat(32)}`,
        inputTokens: 10n,
        outputTokens: 3n,
        served: true,
        charge,
        cumulative,
        ttfbMs: 5,
        latencyMs: 9,
        startedAt: 1n,
        finishedAt: 2n,
      };
      const json = usageReceiptJson({ chainId: 31_337, receipt, signature: `0x${"03".repeat(65)}` });
      return Buffer.from(JSON.stringify(json)).toString("base64");
    };
    const settlementOf = (charged: bigint, cumulative: bigint) =>
      encodePaymentResponseHeader({
        success: true,
        transaction: "",
        network: "eip155:31337",
        payer: "0x0000000000000000000000000000000000000001",
        extra: { chargedAmount: charged.toString(), channelState: { chargedCumulativeAmount: cumulative.toString() } },
      });
    const asked: boolean[] = [];
    // A gateway: whole answers carry the payment in headers, streamed ones in their last payment event.
    const pay = (async (_url: string, init: RequestInit) => {
      const stream = (JSON.parse(String(init.body)) as { stream?: boolean }).stream === true;
      asked.push(stream);
      const n = BigInt(asked.length);
      if (!stream) {
        return new Response("{}", {
          headers: {
            "payment-response": settlementOf(n * 10n, n * 100n),
            [USAGE_RECEIPT_HEADER]: receiptOf(n * 10n, n * 100n, 4n),
          },
        });
      }
      const event = {
        object: "x402-payment-response",
        choices: [],
        payment_response: settlementOf(n * 10n, n * 100n),
        usage_receipt: receiptOf(n * 10n, n * 100n, 5n),
      };
      const body = `data: {"choices":[{"delta":{"content":"hi"}}]}\n\nevent: x402-payment-response\ndata: ${JSON.stringify(event)}\n\ndata: [DONE]\n\n`;
      return new Response(body, { headers: { "content-type": "text/event-stream" } });
    }) as typeof fetch;

    const call = (buyer: string) =>
      buyers.callWith(pay, { url: "http://127.0.0.1:1/m", chainId: 31_337, buyer, model: "demo-model-1" });
    const calls = [await call("0xA"), await call("0xA"), await call("0xB"), await call("0xA")];
    expect(asked).toEqual([false, true, false, false]);
    expect(calls.map((c) => [c.charged, c.cumulative, c.modelId, c.epoch, c.channelId])).toEqual([
      [10n, 100n, 2n, 4n, channelId],
      [20n, 200n, 2n, 5n, channelId],
      [30n, 300n, 2n, 4n, channelId],
      [40n, 400n, 2n, 4n, channelId],
    ]);
  });

  it("records a streamed call that ended in an error event as charged nothing", async () => {
    const buyers = new X402Buyers({ manifest: { keys: { demoBuyers: [] } } } as unknown as Devnet);
    const pay = (async () =>
      new Response(`event: error\ndata: {"choices":[],"error":{"code":"host_interrupted"}}\n\n`, {
        headers: { "content-type": "text/event-stream" },
      })) as unknown as typeof fetch;
    const first = await buyers.callWith(pay, { url: "http://127.0.0.1:1/m", chainId: 1, buyer: "0xA", model: "m" });
    expect(first.charged).toBe(0n);
    const streamed = await buyers.callWith(pay, { url: "http://127.0.0.1:1/m", chainId: 1, buyer: "0xA", model: "m" });
    expect([streamed.charged, streamed.cumulative, streamed.modelId]).toEqual([0n, undefined, undefined]);
  });
});
