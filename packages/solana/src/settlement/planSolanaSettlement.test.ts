import type { Hex } from "@slabridge/core";
import { Keypair } from "@solana/web3.js";
import { describe, expect, it } from "vitest";
import { planSolanaSettlement, type SplitEntry } from "./planSolanaSettlement.ts";

const SOLANA = 0x536f6c61;
const id = (n: number): Hex => `0x${n.toString(16).padStart(64, "0")}`;
const solanaOwner = Keypair.generate().publicKey;
const solanaAccount = `0x${Buffer.from(solanaOwner.toBytes()).toString("hex")}` as Hex;
const evm = (n: number): Hex => `0x${"00".repeat(12)}${n.toString(16).padStart(40, "0")}`;

describe("planSolanaSettlement", () => {
  it("refunds floor(amount × bps / 10000) per payment and splits the rest like the escrow", () => {
    const payees: SplitEntry[] = [
      { chain: 31_338, account: evm(1), shareBps: 4_600 },
      { chain: SOLANA, account: solanaAccount, shareBps: 1_000 },
      { chain: 31_337, account: evm(2), shareBps: 3_400 },
      { chain: 31_338, account: evm(3), shareBps: 1_000 },
    ];
    const plan = planSolanaSettlement({
      payments: [
        { paymentId: id(3), amount: 10_003n },
        { paymentId: id(1), amount: 7n },
        { paymentId: id(2), amount: 3n },
      ],
      refundBps: 2_500,
      payees,
      solanaChainId: SOLANA,
    });
    expect(plan.paid).toBe(10_013n);
    // floor(10003/4) = 2500, floor(7/4) = 1, floor(3/4) = 0 (no transfer for a zero refund); paymentId order.
    expect(plan.refunds).toEqual([
      { paymentId: id(1), amount: 1n },
      { paymentId: id(3), amount: 2_500n },
    ]);
    expect(plan.refunded).toBe(2_501n);
    expect(plan.released).toBe(7_512n);
    // floor(7512 × 0.1) = 751; the other chains hold the rest, dust included (last entry is on EVM).
    expect(plan.payouts).toEqual([{ index: 1, owner: solanaOwner.toBase58(), amount: 751n }]);
    expect(plan.paidLocally).toBe(751n);
    expect(plan.heldForOtherChains).toBe(7_512n - 751n);
  });

  it("adds each payment's share of the top-up to its refund (cumulative rule, paymentId order) and releases the same", () => {
    const payees: SplitEntry[] = [{ chain: SOLANA, account: solanaAccount, shareBps: 10_000 }];
    const payments = [
      { paymentId: id(3), amount: 10_003n },
      { paymentId: id(1), amount: 7n },
      { paymentId: id(2), amount: 3n },
    ];
    const plan = planSolanaSettlement({ payments, refundBps: 2_500, topUp: 1_000n, payees, solanaChainId: SOLANA });
    // Order id(1), id(2), id(3); cum 7, 10, 10,013 of 10,013: floor(1000·7/10013) = 0, floor(1000·10/10013) = 0,
    // then 1000 − 0: the dust lands where the running floor crosses. id(2)'s refund is 0 + 0: no transfer.
    expect(plan.refunds).toEqual([
      { paymentId: id(1), amount: 1n + 0n },
      { paymentId: id(3), amount: 2_500n + 1_000n },
    ]);
    expect(plan).toMatchObject({ topUp: 1_000n, refunded: 2_501n, released: 7_512n, paidLocally: 7_512n });

    const small = planSolanaSettlement({
      payments: [
        { paymentId: id(1), amount: 3n },
        { paymentId: id(2), amount: 1n },
      ],
      refundBps: 1_000,
      topUp: 5n,
      payees,
      solanaChainId: SOLANA,
    });
    // A payment whose refund floors to 0 still gets its share: floor(5·3/4) = 3, then 5 − 3 = 2.
    expect(small.refunds).toEqual([
      { paymentId: id(1), amount: 3n },
      { paymentId: id(2), amount: 2n },
    ]);
    expect(small).toMatchObject({ refunded: 0n, released: 4n, topUp: 5n });
  });

  it("gives the dust to the last entry when it is the Solana payee", () => {
    const plan = planSolanaSettlement({
      payments: [{ paymentId: id(1), amount: 999n }],
      refundBps: 0,
      payees: [
        { chain: 31_338, account: evm(1), shareBps: 3_333 },
        { chain: 31_338, account: evm(2), shareBps: 3_333 },
        { chain: SOLANA, account: solanaAccount, shareBps: 3_334 },
      ],
      solanaChainId: SOLANA,
    });
    expect(plan.refunds).toEqual([]);
    // 999 × 0.3333 = 332.97 -> 332 twice; the last takes 999 − 664 = 335 (not floor(333.07) = 333).
    expect(plan.payouts).toEqual([{ index: 2, owner: solanaOwner.toBase58(), amount: 335n }]);
    expect(plan.heldForOtherChains).toBe(664n);
  });

  it("pays nothing locally after a full refund, and refuses an out-of-range refund share", () => {
    const payees = [{ chain: SOLANA, account: solanaAccount, shareBps: 10_000 }];
    const full = planSolanaSettlement({
      payments: [{ paymentId: id(1), amount: 50n }],
      refundBps: 10_000,
      payees,
      solanaChainId: SOLANA,
    });
    expect(full).toMatchObject({ refunded: 50n, released: 0n, payouts: [], heldForOtherChains: 0n });
    expect(() => planSolanaSettlement({ payments: [], refundBps: 10_001, payees, solanaChainId: SOLANA })).toThrow(
      RangeError,
    );
    expect(() =>
      planSolanaSettlement({
        payments: [{ paymentId: id(1), amount: 50n }],
        refundBps: 0,
        payees: [{ chain: SOLANA, account: "0x1234", shareBps: 10_000 }],
        solanaChainId: SOLANA,
      }),
    ).toThrow(/not 32 bytes/);
  });
});
