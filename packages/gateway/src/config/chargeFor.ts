import type { GatewayModel } from "./GatewayModel.ts";

/** Tokens one call used, as the host reported them. */
export interface TokenUsage {
  readonly inputTokens: bigint;
  readonly outputTokens: bigint;
}

/**
 * What a served call costs: the price per input and output token times the host's usage, capped at the per-request
 * ceiling (the voucher covers at most the ceiling, so the cap is also what the buyer signed for).
 *
 * @example chargeFor({ perInputToken: 2n, perOutputToken: 5n, ceiling: 1_000n }, { inputTokens: 10n, outputTokens: 20n }) // 120n
 */
export function chargeFor(price: GatewayModel["price"], usage: TokenUsage): bigint {
  const metered = usage.inputTokens * price.perInputToken + usage.outputTokens * price.perOutputToken;
  // bigints: Math.min does not take them.
  if (metered > price.ceiling) return price.ceiling;
  return metered;
}
