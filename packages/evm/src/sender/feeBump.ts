/** EIP-1559 fee fields of one transaction. */
export interface Eip1559Fees {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

const BPS = 10_000n;

const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);
const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);

function ceilMul(value: bigint, factorBps: bigint): bigint {
  return (value * factorBps + BPS - 1n) / BPS;
}

/**
 * Fees for a replacement at the same nonce: both fields raised by at least `factor` over the previous send (nodes
 * demand it of both) and at least the chain's current estimate, with `maxFeePerGas` capped. Returns undefined when
 * the cap leaves no room for a `factor` bump: the caller keeps waiting and reports it.
 *
 * @example
 * ```ts
 * bumpFees({ maxFeePerGas: 100n, maxPriorityFeePerGas: 10n }, current, { factor: 1.125, maxFeePerGasCap: 10n ** 12n });
 * // { maxFeePerGas: 113n, maxPriorityFeePerGas: 12n } when current is lower
 * ```
 */
export function bumpFees(
  previous: Eip1559Fees,
  current: Eip1559Fees,
  bump: { factor: number; maxFeePerGasCap: bigint },
): Eip1559Fees | undefined {
  const factorBps = BigInt(Math.ceil(bump.factor * Number(BPS)));
  const minFee = ceilMul(previous.maxFeePerGas, factorBps);
  const minTip = ceilMul(previous.maxPriorityFeePerGas, factorBps);
  const maxFeePerGas = min(max(minFee, current.maxFeePerGas), bump.maxFeePerGasCap);
  const maxPriorityFeePerGas = min(max(minTip, current.maxPriorityFeePerGas), maxFeePerGas);
  if (maxFeePerGas < minFee || maxPriorityFeePerGas < minTip) return undefined;
  return { maxFeePerGas, maxPriorityFeePerGas };
}

/**
 * The chain's fee estimate, capped: `maxFeePerGas` at most `cap`, the tip at most the fee.
 *
 * @example capFees({ maxFeePerGas: 5n, maxPriorityFeePerGas: 2n }, 4n) // { maxFeePerGas: 4n, maxPriorityFeePerGas: 2n }
 */
export function capFees(fees: Eip1559Fees, cap: bigint): Eip1559Fees {
  const maxFeePerGas = min(fees.maxFeePerGas, cap);
  const maxPriorityFeePerGas = min(fees.maxPriorityFeePerGas, maxFeePerGas);
  return { maxFeePerGas, maxPriorityFeePerGas };
}
