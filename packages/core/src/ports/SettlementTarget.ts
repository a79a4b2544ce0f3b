/** Where one (model, epoch)'s settlement stands on a payment chain, read from the escrow's epoch record. */
export interface SettlementState {
  /** The home chain's verdict reached this chain (the record is no longer open). */
  verdictApplied: boolean;
  /** Every payment of the epoch was refunded its share (or needed none): the refund cursor reached the count. */
  refundsDone: boolean;
  /**
   * Every payment got its share of the verdict's host bond top-up (true when there is none). Absent where the chain
   * pays the top-up share with the refund itself (the Solana vault): then `refundsDone` says it. Releasing the
   * epoch never waits for it, so a vault slow to advance a top-up cannot hold up the payees.
   */
  topUpsDone?: boolean;
  /** The unrefunded remainder was released to the payees. */
  released: boolean;
  /**
   * The epoch leaves nothing to pay out on this chain (no payment, or every payment refunded in full): its payouts
   * would each move 0, so none is published (each one is a cross-chain message with its fee). Absent: unknown.
   */
  nothingToRelease?: boolean;
}

/**
 * The chain-specific half of settling an epoch on a payment chain. For an EVM escrow the on-chain refund cursor
 * makes each payment refunded at most once, however often `refundNext` is called, and `release` reverts the second
 * time; so the engine only has to ask `state` before each step.
 *
 * @example
 * const target: SettlementTarget = new EvmSettlementTarget({ chainId: 31337, escrow, sender }); // @slabridge/evm
 * const { refundsDone } = await target.state(2n, 42n);
 * if (!refundsDone) await target.refundNext(2n, 42n, 100);
 */
export interface SettlementTarget {
  readonly chainId: number;
  state(modelId: bigint, epoch: bigint): Promise<SettlementState>;
  /** Refunds the next at most `maxPayments` payments; returns the transaction. */
  refundNext(modelId: bigint, epoch: bigint, maxPayments: number): Promise<{ transaction: string }>;
  /** Releases the remainder once refunds are done; returns the transaction. */
  release(modelId: bigint, epoch: bigint): Promise<{ transaction: string }>;
}
