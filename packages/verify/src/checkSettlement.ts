import { BPS } from "@slabridge/core";
import type { SettlementView } from "./statusAnswers.ts";
import { fail, pass, same, skip, type VerifyCheck } from "./VerifyCheck.ts";

/**
 * Checks each payment chain's settlement of the epoch, as the status API reports it from that chain, against the
 * verdict's refund share: the escrow applied that share; every payment got back its share, rounded down as the escrow
 * rounds (`amount * refundBps / 10_000`); the release is what was paid minus what was refunded; each payout is at
 * least its share of the release and together they never exceed it. A chain that took a bond top-up for its buyers
 * is checked for at least the refund share (the top-up is paid with its own events). A chain the model is not listed
 * on has nothing to settle; a chain the status API cannot read refunds of is skipped, named.
 *
 * @example const checks = checkSettlement(2_500, status.settlement, topUps);
 */
export function checkSettlement(
  refundBps: number,
  settlement: readonly SettlementView[],
  topUps: ReadonlyMap<number, bigint> = new Map(),
): VerifyCheck[] {
  const checks: VerifyCheck[] = [];
  for (const view of settlement) {
    const topUp = (topUps.get(view.chainId) ?? 0n) > 0n;
    if (view.family === "evm") {
      if (!view.listed) continue;
      const name = view.name;
      if (view.status === undefined || view.status === "open") {
        checks.push(
          fail(`${name}: verdict applied`, `settled or released with ${refundBps} bps`, view.status ?? "no record"),
        );
        continue;
      }
      checks.push(same(`${name}: refund share applied`, `${refundBps} bps`, `${view.refundBps ?? "none"} bps`));
      const paid = view.paid ?? 0n;
      const refunds = view.refunds ?? [];
      const refunded = refunds.reduce((sum, r) => sum + r.amount, 0n);
      checks.push(same(`${name}: refund transfers add up to the escrow's refunded`, view.refunded ?? 0n, refunded));
      // Each payment's refund is rounded down on its own: the total is at most the share of the sum, and less than
      // one unit per payment below it.
      const share = (paid * BigInt(refundBps)) / BigInt(BPS);
      const payments = BigInt(view.payments ?? 0);
      const floor = share - payments < 0n ? 0n : share - payments + 1n;
      const low = share === 0n ? 0n : floor;
      const inRange = refunded >= low && (topUp || refunded <= share);
      checks.push(
        inRange
          ? pass(
              `${name}: refunds are ${refundBps} bps of ${paid} paid`,
              `${refunded} refunded over ${payments} payments`,
            )
          : fail(
              `${name}: refunds are ${refundBps} bps of ${paid} paid`,
              low === share ? `${share}` : `${low}..${share}`,
              `${refunded}`,
            ),
      );
      const indexes = new Set(refunds.map((r) => r.paymentIndex));
      const once = indexes.size === refunds.length && BigInt(indexes.size) <= payments;
      checks.push(
        once
          ? pass(`${name}: no payment refunded twice`, plural(refunds.length, "refund"))
          : fail(
              `${name}: no payment refunded twice`,
              `at most one refund for each of ${payments} payments`,
              `${refunds.length} refunds for ${indexes.size} payments`,
            ),
      );
      if (view.status === "released") {
        const released = view.release?.amount;
        checks.push(same(`${name}: release is paid minus refunded`, paid - (view.refunded ?? 0n), released ?? "none"));
        if (released !== undefined) checks.push(payoutCheck(name, released, view.payouts ?? []));
      }
      continue;
    }
    const name = `solana (${view.chainId})`;
    if (view.refunds === null) {
      checks.push(skip(`${name}: refunds`, "the status API has no Solana settlement reader"));
      continue;
    }
    if (refundBps === 0 || view.payments.length === 0) {
      checks.push(
        same(
          `${name}: no refunds due`,
          "0",
          view.refunds.reduce((sum, r) => sum + r.amount, 0n),
        ),
      );
      continue;
    }
    const wrong: string[] = [];
    for (const payment of view.payments) {
      const due = (payment.amount * BigInt(refundBps)) / BigInt(BPS);
      const got = view.refunds.filter((r) => r.reference === payment.paymentId).reduce((sum, r) => sum + r.amount, 0n);
      if (topUp ? got < due : got !== due) wrong.push(`${payment.paymentId}: ${got} of ${due}`);
    }
    checks.push(
      wrong.length === 0
        ? pass(`${name}: every payment refunded ${refundBps} bps`, plural(view.payments.length, "payment"))
        : fail(`${name}: every payment refunded ${refundBps} bps`, "each payment's share", wrong.join("; ")),
    );
  }
  return checks;
}

function payoutCheck(
  name: string,
  released: bigint,
  payouts: readonly { payoutIndex: number; shareBps: number; amount: bigint }[],
): VerifyCheck {
  const check = `${name}: payouts are their shares of the release`;
  const total = payouts.reduce((sum, p) => sum + p.amount, 0n);
  // A payout is `shareBps` of the release, rounded down, or the table's remainder: never below its share.
  const short = payouts.filter((p) => p.amount < (released * BigInt(p.shareBps)) / BigInt(BPS));
  if (short.length > 0) {
    return fail(
      check,
      short.map((p) => `payout ${p.payoutIndex} ≥ ${(released * BigInt(p.shareBps)) / BigInt(BPS)}`).join(", "),
      short.map((p) => `${p.amount}`).join(", "),
    );
  }
  if (total > released) return fail(check, `at most ${released} paid out`, `${total}`);
  return pass(check, `${plural(payouts.length, "payout")}, ${total} of ${released}`);
}

const plural = (count: number | bigint, noun: string) => `${count} ${noun}${BigInt(count) === 1n ? "" : "s"}`;
