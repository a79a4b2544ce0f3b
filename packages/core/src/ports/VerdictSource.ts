import type { Hex } from "../hex/hex.ts";

/** A home-chain verdict as a payment chain acts on it, taken only from bytes the chain's adapter verified. */
export interface ChainVerdict {
  modelId: bigint;
  epoch: bigint;
  refundBps: number;
  reportHash: Hex;
}

/**
 * Where a payment chain learns the verdicts the home chain sent it. An EVM escrow applies them on chain (the
 * messenger verifies the message); Solana has no program that does, so its adapter verifies the VAA itself.
 *
 * @example
 * const verdict = await verdicts.verified(2n, 41n); // undefined until the verdict is there and verified
 * if (verdict) console.log(verdict.refundBps);
 */
export interface VerdictSource<TVerdict extends ChainVerdict = ChainVerdict> {
  verified(modelId: bigint, epoch: bigint): Promise<TVerdict | undefined>;
}
