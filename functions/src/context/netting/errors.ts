import { SlabridgeError } from "@slabridge/core";

export { NettingVaultNotReadyError } from "@slabridge/core";

/**
 * A netting transaction was mined and reverted (e.g. the token refused the transfer). Not retryable as is: the same
 * call would revert again; the record keeps the transaction hash for an operator.
 *
 * @example
 * ```ts
 * if (e instanceof NettingTransactionRevertedError) alert(e.transactionHash);
 * ```
 */
export class NettingTransactionRevertedError extends SlabridgeError {
  override readonly name = "NettingTransactionRevertedError" as const;
  readonly transactionHash: string;
  constructor(params: { chainId: number; stepId: string; transactionHash: string }) {
    super(`Netting step ${params.stepId} reverted on chain ${params.chainId}.`, {
      retryable: false,
      metaMessages: [`transaction: ${params.transactionHash}`],
    });
    this.transactionHash = params.transactionHash;
  }
}

/**
 * The netting round's input does not fit the vaults it was given: a chain in the plan without a vault, a vault on
 * a chain without a LayerZero eid, or what the escrows paid a vault differs from what the plan says it holds. Not
 * retryable with the same input; nothing was sent.
 *
 * @example
 * ```ts
 * if (e instanceof InvalidNettingRoundError) deadLetter(e.message);
 * ```
 */
export class InvalidNettingRoundError extends SlabridgeError {
  override readonly name = "InvalidNettingRoundError" as const;
  constructor(reason: string) {
    super(`Invalid netting round: ${reason}.`, { retryable: false });
  }
}
