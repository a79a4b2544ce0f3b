import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import * as core from "./index.ts";

const srcDir = path.dirname(fileURLToPath(import.meta.url));
const FORBIDDEN = /from\s+["'](viem|ethers|web3|@solana\/|@wormhole-foundation\/|@certusone\/|@layerzerolabs\/)/;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    return statSync(full).isDirectory() ? sources(full) : full.endsWith(".ts") ? [full] : [];
  });
}

describe("@slabridge/core public API", () => {
  it("round-trips a message and proves a payment (README example)", () => {
    const payments = [1n, 2n, 3n].map((i) => ({
      paymentId: `0x${i.toString(16).padStart(64, "0")}` as const,
      buyer: `0x${"00".repeat(12)}${"b0".repeat(20)}` as const,
      amount: 1_000n * i,
    }));
    const hex = core.encodeMessage({
      kind: "ReceiptBatch",
      modelId: 42n,
      epoch: 472_222n,
      paymentChain: core.SOLANA_CHAIN_ID,
      batchIndex: 0,
      count: payments.length,
      total: 6_000n,
      paymentsRoot: core.paymentsRoot(payments),
      finalBatch: true,
    });
    const batch = core.decodeMessageOfKind(hex, "ReceiptBatch");
    const proof = core.paymentsProof(payments, 1);
    expect(core.verifyPaymentProof(proof, batch.paymentsRoot, payments[1] as core.Payment)).toBe(true);
  });

  it("imports no chain SDK anywhere in src/", () => {
    for (const file of sources(srcDir)) expect(readFileSync(file, "utf8"), file).not.toMatch(FORBIDDEN);
  });
});
