import type { SolanaSettlementTransfer } from "@slabridge/core";
import { Keypair } from "@solana/web3.js";
import { describe, expect, it } from "vitest";
import { type SolanaSettlementFindings, SolanaStatusReader } from "./SolanaStatusReader.ts";

const paymentId = (n: number) => `0x${n.toString(16).padStart(64, "0")}` as const;
const payment = (n: number, amount: bigint) => ({
  chainId: 9,
  modelId: 2n,
  epoch: 7n,
  paymentId: paymentId(n),
  buyer: "buyer",
  amount,
  transaction: `sig${n}`,
  block: 1n,
  blockHash: "hash",
  observedAt: 0,
});
const transfer = (reference: string, amount: bigint): SolanaSettlementTransfer => ({
  reference,
  recipient: "someone",
  amount,
  signature: `sig-${reference}`,
  slot: 1n,
});
const solanaPayee = `0x${Buffer.from(Keypair.generate().publicKey.toBytes()).toString("hex")}` as const;
// Half to an EVM payee (held in the vault for netting), half to a Solana payee (paid out of the vault).
const payees = [
  { chain: 31_337, account: `0x${"00".repeat(12)}${"11".repeat(20)}` as const, shareBps: 5_000 },
  { chain: 9, account: solanaPayee, shareBps: 5_000 },
];

function readerWith(findings: SolanaSettlementFindings) {
  return new SolanaStatusReader({
    chainId: 9,
    name: "solana",
    payments: { listEpoch: async () => [payment(1, 100n), payment(2, 60n)] },
    outflows: { read: async () => findings },
  });
}

describe("SolanaStatusReader.epochMoney", () => {
  it("releases paid − refunded once every refund and every Solana payout left the vault", async () => {
    const reader = readerWith({
      refunds: [transfer(paymentId(1), 25n), transfer(paymentId(2), 15n)],
      payouts: [transfer("1", 60n)],
    });
    expect(await reader.settlement.epochMoney({ modelId: 2n, epoch: 7n, refundBps: 2_500, payees })).toEqual({
      chainId: 9,
      paid: 160n,
      refunded: 40n,
      paidOut: 60n,
      refundsDone: true,
      released: 120n,
    });
  });

  it("releases nothing while a Solana payout is missing, and nothing without the verdict or split table", async () => {
    const reader = readerWith({ refunds: [transfer(paymentId(1), 25n), transfer(paymentId(2), 15n)], payouts: [] });
    expect(await reader.settlement.epochMoney({ modelId: 2n, epoch: 7n, refundBps: 2_500, payees })).toMatchObject({
      refunded: 40n,
      paidOut: 0n,
      refundsDone: true,
      released: undefined,
    });
    expect(await reader.settlement.epochMoney({ modelId: 2n, epoch: 7n, refundBps: undefined, payees })).toMatchObject({
      paid: 160n,
      refundsDone: false,
      released: undefined,
    });
  });

  it("reports the bond top-up paid on top of the refunds, and waits for each payment's share", async () => {
    // Refunds 25 and 15; the top-up 10 by the cumulative rule over 100, 60: floor(10·100/160) = 6, then 10 − 6 = 4.
    const query = { modelId: 2n, epoch: 7n, refundBps: 2_500, topUp: 10n, payees };
    const partly = readerWith({ refunds: [transfer(paymentId(1), 25n + 6n)], payouts: [] });
    expect(await partly.settlement.epochMoney(query)).toMatchObject({
      refunded: 25n,
      topUpPaid: 6n,
      refundsDone: false,
      released: undefined,
    });
    const done = readerWith({
      refunds: [transfer(paymentId(1), 25n + 6n), transfer(paymentId(2), 15n + 4n)],
      payouts: [transfer("1", 60n)],
    });
    expect(await done.settlement.epochMoney(query)).toEqual({
      chainId: 9,
      paid: 160n,
      refunded: 40n,
      topUpPaid: 10n,
      paidOut: 60n,
      refundsDone: true,
      released: 120n,
    });
  });
});
