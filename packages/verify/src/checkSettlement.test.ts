import { describe, expect, it } from "vitest";
import { checkSettlement } from "./checkSettlement.ts";
import type { SettlementView } from "./statusAnswers.ts";

// Two payments (3,000,001 and 1,000,000 base units), each refunded 25% rounded down, the rest released and paid out.
const released: SettlementView = {
  family: "evm",
  chainId: 31_337,
  name: "evm-a",
  listed: true,
  status: "released",
  paid: 4_000_001n,
  payments: 2,
  refundBps: 2_500,
  refunded: 1_000_000n,
  refunds: [
    { paymentIndex: 0n, amount: 750_000n },
    { paymentIndex: 1n, amount: 250_000n },
  ],
  release: { amount: 3_000_001n },
  payouts: [
    { payoutIndex: 0, shareBps: 9_000, amount: 2_700_000n },
    { payoutIndex: 1, shareBps: 1_000, amount: 300_001n },
  ],
};

const statuses = (checks: ReturnType<typeof checkSettlement>) => checks.map((c) => `${c.status} ${c.check}`);

describe("checkSettlement", () => {
  it("passes an escrow that applied the share, refunded each payment its rounded-down share, released and paid out the rest", () => {
    expect(statuses(checkSettlement(2_500, [released]))).toEqual([
      "pass evm-a: refund share applied",
      "pass evm-a: refund transfers add up to the escrow's refunded",
      "pass evm-a: refunds are 2500 bps of 4000001 paid",
      "pass evm-a: no payment refunded twice",
      "pass evm-a: release is paid minus refunded",
      "pass evm-a: payouts are their shares of the release",
    ]);
  });

  it("fails a refund share the verdict did not give, refunds short of it, a release too large and a short payout", () => {
    const wrong: SettlementView = {
      ...released,
      refundBps: 1_000,
      refunded: 400_000n,
      refunds: [
        { paymentIndex: 0n, amount: 300_000n },
        { paymentIndex: 1n, amount: 100_000n },
      ],
      release: { amount: 3_600_001n },
      payouts: [{ payoutIndex: 0, shareBps: 9_000, amount: 2_000_000n }],
    };
    const failed = checkSettlement(2_500, [wrong]).filter((c) => c.status === "fail");
    expect(failed).toEqual([
      { check: "evm-a: refund share applied", status: "fail", expected: "2500 bps", actual: "1000 bps" },
      {
        check: "evm-a: refunds are 2500 bps of 4000001 paid",
        status: "fail",
        expected: "999999..1000000",
        actual: "400000",
      },
      {
        check: "evm-a: payouts are their shares of the release",
        status: "fail",
        expected: "payout 0 ≥ 3240000",
        actual: "2000000",
      },
    ]);
  });

  it("fails an epoch still open, a payment refunded twice; skips chains with nothing to read or nothing listed", () => {
    const open: SettlementView = { family: "evm", chainId: 1, name: "evm-x", listed: true, status: "open" };
    const twice: SettlementView = {
      ...released,
      refunded: 1_750_000n,
      refunds: [...(released.refunds ?? []), { paymentIndex: 0n, amount: 750_000n }],
    };
    const unlisted: SettlementView = { family: "evm", chainId: 2, name: "evm-y", listed: false };
    const solana: SettlementView = { family: "solana", chainId: 900, payments: [], refunds: null };
    const checks = checkSettlement(2_500, [open, twice, unlisted, solana]);
    expect(checks.filter((c) => c.status !== "pass")).toEqual([
      {
        check: "evm-x: verdict applied",
        status: "fail",
        expected: "settled or released with 2500 bps",
        actual: "open",
      },
      {
        check: "evm-a: refunds are 2500 bps of 4000001 paid",
        status: "fail",
        expected: "999999..1000000",
        actual: "1750000",
      },
      {
        check: "evm-a: no payment refunded twice",
        status: "fail",
        expected: "at most one refund for each of 2 payments",
        actual: "3 refunds for 2 payments",
      },
      { check: "evm-a: release is paid minus refunded", status: "fail", expected: "2250001", actual: "3000001" },
      { check: "solana (900): refunds", status: "skip", detail: "the status API has no Solana settlement reader" },
    ]);
  });

  it("checks each Solana payment's refund by its reference", () => {
    const solana: SettlementView = {
      family: "solana",
      chainId: 900,
      payments: [
        { paymentId: "p1", amount: 1_000_003n },
        { paymentId: "p2", amount: 2_000_000n },
      ],
      refunds: [
        { reference: "p1", amount: 250_000n },
        { reference: "p2", amount: 400_000n },
      ],
    };
    expect(checkSettlement(2_500, [solana])).toEqual([
      {
        check: "solana (900): every payment refunded 2500 bps",
        status: "fail",
        expected: "each payment's share",
        actual: "p2: 400000 of 500000",
      },
    ]);
    // A chain that took a bond top-up refunds at least the share (the top-up rides along).
    const topped = {
      ...solana,
      refunds: [
        { reference: "p1", amount: 300_000n },
        { reference: "p2", amount: 600_000n },
      ],
    };
    expect(checkSettlement(2_500, [topped], new Map([[900, 150_000n]]))[0]?.status).toBe("pass");
  });
});
