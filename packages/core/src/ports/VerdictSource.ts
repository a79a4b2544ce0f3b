import type { Hex } from "../hex/hex.ts";

/** A home-chain verdict as a payment chain acts on it, taken only from bytes the chain's adapter verified. */
export interface ChainVerdict {
  modelId: bigint;
  epoch: bigint;
  refundBps: number;
  reportHash: Hex;
  /**
   * The host bond's top-up for this chain's buyers of the (model, epoch), in stablecoin base units: shared over the
   * epoch's payments pro rata (`topUpShares`) on top of their refunds. 0 when there is no bond or no breach.
   */
  topUp: bigint;
}

/**
 * Where a payment chain learns the verdicts the home chain sent it. An EVM escrow applies them on chain (the
 * messenger verifies the message); Solana has no program that does, so its adapter verifies the VAA itself.
 *
 * @example
 * const verdict = await verdicts.verified(2n, 41n); // undefined until the verdict is there and verified
 * if (verdict) console.log(verdict.refundBps, verdict.topUp);
 */
export interface VerdictSource<TVerdict extends ChainVerdict = ChainVerdict> {
  verified(modelId: bigint, epoch: bigint): Promise<TVerdict | undefined>;
}
