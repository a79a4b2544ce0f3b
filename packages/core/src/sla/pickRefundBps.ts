import { assertIntIn, MAX_U16, MAX_U32 } from "./checks.ts";
import type { SlaTerms } from "./types.ts";

/** The measurements a refund depends on. */
export interface RefundInputs {
  /** Measured uptime (uint16, as the oracle takes it). */
  readonly uptimeBps: number;
  /** Measured p95 latency in ms (uint32). */
  readonly p95Ms: number;
}

/**
 * The refund `terms` pick for a measured (uptime, p95): exactly `SlaTiers.refundBps` in SlaTiers.sol, which the
 * SlaOracle uses to recompute every report's refund. The highest refund among tiers whose threshold `uptimeBps` is
 * strictly below (the max, not the last match, so even unvalidated terms agree with the chain); then, if `p95Ms`
 * strictly exceeds `maxP95LatencyMs`, at least `latencyBreachRefundBps`. 0 when the SLA was met. The terms are
 * not validated (the chain does not validate them here either); only the integer ranges of the Solidity types are.
 *
 * @throws {InvalidSlaInputError} when a figure is not an integer in its Solidity type's range.
 * @example
 * ```ts
 * pickRefundBps(demoSlaTerms, { uptimeBps: 9_899, p95Ms: 400 }); // 1_000 (below the 99% tier)
 * pickRefundBps(demoSlaTerms, { uptimeBps: 9_900, p95Ms: 501 }); // 2_500 (latency breach)
 * ```
 */
export function pickRefundBps(terms: SlaTerms, { uptimeBps, p95Ms }: RefundInputs): number {
  assertIntIn("uptimeBps", uptimeBps, 0, MAX_U16);
  assertIntIn("p95Ms", p95Ms, 0, MAX_U32);
  assertIntIn("terms.maxP95LatencyMs", terms.maxP95LatencyMs, 0, MAX_U32);
  assertIntIn("terms.latencyBreachRefundBps", terms.latencyBreachRefundBps, 0, MAX_U16);
  let refund = 0;
  terms.tiers.forEach((tier, i) => {
    assertIntIn(`terms.tiers[${i}].uptimeBelowBps`, tier.uptimeBelowBps, 0, MAX_U16);
    assertIntIn(`terms.tiers[${i}].refundBps`, tier.refundBps, 0, MAX_U16);
    if (uptimeBps < tier.uptimeBelowBps && tier.refundBps > refund) refund = tier.refundBps;
  });
  if (p95Ms > terms.maxP95LatencyMs && terms.latencyBreachRefundBps > refund) refund = terms.latencyBreachRefundBps;
  return refund;
}
