/** Where one payout (model, epoch, destination chain, payout index) stands. */
export type PayoutStatus =
  /** The destination escrow paid it (its paid bit is set). */
  | "paid"
  /** The home chain already sent it to the destination (a PayoutPublished log): delivery is a message job's work. */
  | "published"
  /** Neither: it may be published. */
  | "open";

/**
 * The home-chain half of paying out a released epoch: the model's split table fixes the payout indexes (0..n-1), and
 * each index is published once per destination chain. The registry does not refuse a second publish (only the
 * destination escrow's paid bit does), so the engine asks `status` right before every `publish`.
 *
 * @example
 * const publisher: PayoutPublisher = new EvmPayoutPublisher({ ... }); // @slabridge/evm, the home chain
 * for (let i = 0; i < (await publisher.payoutCount(2n, 42n)); i++) {
 *   if ((await publisher.status(31_337, 2n, 42n, i)) === "open") await publisher.publish(31_337, 2n, 42n, i);
 * }
 */
export interface PayoutPublisher {
  /**
   * Whether the home chain pays out to this chain's escrow. A payment chain without an escrow (Solana's vault) pays
   * its own payees when its settlement target releases, so its settle job ends there.
   */
  servesChain(chainId: number): boolean;
  /** Entries of the (model, epoch) split table; payouts are published in index order. */
  payoutCount(modelId: bigint, epoch: bigint): Promise<number>;
  /** The destination's paid bit first, then the home chain's PayoutPublished logs. */
  status(chainId: number, modelId: bigint, epoch: bigint, payoutIndex: number): Promise<PayoutStatus>;
  /** Publishes payout `payoutIndex` to `chainId` over that route's transport, paying the quote; returns the transaction. */
  publish(chainId: number, modelId: bigint, epoch: bigint, payoutIndex: number): Promise<{ transaction: string }>;
}
