import type { TransportName } from "../jobs/jobTypes.ts";

/** Where one (model, epoch)'s receipts stand on a payment chain. */
export interface ReceiptProgress {
  /** The epoch has ended on this chain (no more payments can land in it). */
  epochOver: boolean;
  /** Unix ms when the epoch ends (to schedule the next look when it is not over yet). */
  epochEndsAt: number;
  /** Every payment of the epoch has been sent home in a receipt batch (the final batch is out). */
  relayedAll: boolean;
}

/**
 * The chain-specific half of relaying receipts: an EVM escrow (`relayReceipts`, whose on-chain cursor makes each
 * batch go out once) or the Solana vault (batches built off-chain from the watched payments and published by the
 * operators through the Wormhole emitter that stands in for a Solana program).
 *
 * @example
 * const source: ReceiptSource = evmA.receipts; // createEvmChain(...).receipts
 * const { epochOver, relayedAll } = await source.progress(2n, 41n);
 * if (epochOver && !relayedAll) await source.relayNextBatch(2n, 41n, "layerzero", 100);
 */
export interface ReceiptSource {
  readonly chainId: number;
  progress(modelId: bigint, epoch: bigint): Promise<ReceiptProgress>;
  /** Sends the next batch of at most `maxPayments` through `transport`; returns the source transaction. */
  relayNextBatch(
    modelId: bigint,
    epoch: bigint,
    transport: TransportName,
    maxPayments: number,
  ): Promise<{ transaction: string }>;
}
