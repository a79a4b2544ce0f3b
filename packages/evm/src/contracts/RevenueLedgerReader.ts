import { revenueLedgerAbi } from "@slabridge/contracts";
import type { Address } from "viem";
import { type ReaderClient, readContractTyped } from "./readContractTyped.ts";

/**
 * Typed reads of the home chain's RevenueLedger: whether a payment chain's receipts for (model, epoch) are all in.
 *
 * @example
 * ```ts
 * const ledger = new RevenueLedgerReader(homeClient, home.contracts.revenueLedger);
 * if (await ledger.isChainComplete(1n, 42n, 31337)) skipRelay();
 * ```
 */
export class RevenueLedgerReader {
  constructor(
    readonly client: ReaderClient,
    readonly address: Address,
  ) {}

  /** Batches, payments and total recorded for (model, epoch) from `chain`. */
  revenue(modelId: bigint, epoch: bigint, chain: number) {
    return readContractTyped(this.client, this.address, revenueLedgerAbi, "revenue", [modelId, epoch, chain]);
  }

  isChainComplete(modelId: bigint, epoch: bigint, chain: number): Promise<boolean> {
    return readContractTyped(this.client, this.address, revenueLedgerAbi, "isChainComplete", [modelId, epoch, chain]);
  }
}
