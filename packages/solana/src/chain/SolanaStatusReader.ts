import type { PaymentRecord } from "@slabridge/core";

/** One Solana transfer out of the vault for a (model, epoch): a refund to a buyer or a payout to a payee. */
export interface SolanaSettlementTransfer {
  /** The refunded payment's id (refunds) or the payout index (payouts), as the memo names it. */
  readonly reference: string;
  /** Recipient token account owner (base58). */
  readonly recipient: string;
  /** Stablecoin base units. */
  readonly amount: bigint;
  /** Transaction signature. */
  readonly signature: string;
  readonly slot: bigint;
}

/** What a {@link SolanaSettlementReader} found on Solana for a (model, epoch). */
export interface SolanaSettlementFindings {
  readonly refunds: readonly SolanaSettlementTransfer[];
  readonly payouts: readonly SolanaSettlementTransfer[];
}

/**
 * The extension point for Solana settlement evidence in the status API: given the epoch's Solana payments (from the
 * payment store), finds the vault's refund and payout transfers (the Solana settlement code implements it with the
 * vault watcher's outflow search). Without a reader the status API reports the payments alone (`reader: "none"`).
 *
 * @example
 * const reader: SolanaSettlementReader = { read: async ({ payments }) => ({ refunds: [], payouts: [] }) };
 */
export interface SolanaSettlementReader {
  read(input: {
    readonly modelId: bigint;
    readonly epoch: bigint;
    readonly payments: readonly PaymentRecord[];
    /** The verdict's refund share, when there is a verdict. */
    readonly refundBps: number | undefined;
  }): Promise<SolanaSettlementFindings>;
}
