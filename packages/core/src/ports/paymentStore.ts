/**
 * The payments port: every payment a watcher saw on any chain, grouped by (chain, model, epoch) so receipt batches
 * and refunds can list an epoch's payments in one stable order.
 */

/** One payment as observed on its chain. Money data: once stored it never changes. */
export interface PaymentRecord {
  /** slabridge chain id (EVM chain id, or SOLANA_CHAIN_ID). */
  chainId: number;
  modelId: bigint;
  epoch: bigint;
  /** The escrow's payment id (hex32) on EVM, or a reference derived from the Solana signature. */
  paymentId: string;
  /** Payer address (EVM hex, or Solana base58). */
  buyer: string;
  /** In the stablecoin's base units. */
  amount: bigint;
  /** Transaction hash (EVM) or signature (Solana) that paid. */
  transaction: string;
  /** Block number (EVM) or slot (Solana). */
  block: bigint;
  blockHash: string;
  /** Unix ms when the watcher observed it. */
  observedAt: number;
}

/** Outcome of recording a payment: "exists" when the identical record was already stored. */
export type RecordPaymentResult = "created" | "exists";

/**
 * Payments, written once each by a conditional put. Recording the same payment again is a no-op; recording a
 * different payment under the same (chain, model, epoch, paymentId) is refused, never overwritten.
 *
 * @example
 * if ((await payments.record(p)) === "exists") return; // already seen
 */
export interface PaymentStore {
  record(payment: PaymentRecord): Promise<RecordPaymentResult>;
  /** Every payment of one (chain, model, epoch), ordered by paymentId. */
  listEpoch(chainId: number, modelId: bigint, epoch: bigint): Promise<PaymentRecord[]>;
  /**
   * Up to `limit` payments of one (chain, model, epoch) whose paymentId sorts after `after` (exclusive; from the first
   * when absent), in the same order as {@link listEpoch}: one page, read without reading the epoch's earlier payments.
   */
  listEpochPage(
    chainId: number,
    modelId: bigint,
    epoch: bigint,
    page: { after?: string | undefined; limit: number },
  ): Promise<PaymentRecord[]>;
}
