import { escrowAbi } from "@slabridge/contracts";
import type { Address } from "viem";
import { type ReaderClient, readContractTyped } from "./readContractTyped.ts";

/** Settlement status of a (model, epoch) on an escrow, as the `EpochStatus` enum orders it. */
export const EPOCH_STATUS = ["open", "settled", "released"] as const;

/**
 * Typed reads of one payment chain's Escrow: what the relay checks before relaying receipts, refunding or releasing
 * (the destination's state decides whether a step is still needed).
 *
 * @example
 * ```ts
 * const escrow = new EscrowReader(client, manifestChain.contracts.escrow);
 * const record = await escrow.epochRecord(1n, 42n);
 * if (EPOCH_STATUS[record.status] === "settled" && record.refundCursor < record.count) await refundMore();
 * ```
 */
export class EscrowReader {
  constructor(
    readonly client: ReaderClient,
    readonly address: Address,
  ) {}

  /** The packed money record of (model, epoch): paid, count, relayed, batches, refund cursor, status, ... */
  epochRecord(modelId: bigint, epoch: bigint) {
    return readContractTyped(this.client, this.address, escrowAbi, "epochRecord", [modelId, epoch]);
  }

  /** The host bond top-up of (model, epoch): due (0: none), eligible amount, cursor, funded, cumulative. */
  topUpOf(modelId: bigint, epoch: bigint) {
    return readContractTyped(this.client, this.address, escrowAbi, "topUpOf", [modelId, epoch]);
  }

  /** The model's listing on this chain: clock (genesis, epochSeconds) and terms. */
  listing(modelId: bigint) {
    return readContractTyped(this.client, this.address, escrowAbi, "listing", [modelId]);
  }

  currentEpoch(modelId: bigint): Promise<bigint> {
    return readContractTyped(this.client, this.address, escrowAbi, "currentEpoch", [modelId]);
  }

  /** Unix seconds at which `epoch` ends (receipts can be relayed from then on). */
  epochEnd(modelId: bigint, epoch: bigint): Promise<bigint> {
    return readContractTyped(this.client, this.address, escrowAbi, "epochEnd", [modelId, epoch]);
  }
}
