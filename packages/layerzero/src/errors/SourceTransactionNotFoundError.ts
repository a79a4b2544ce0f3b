import { SlabridgeError } from "@slabridge/core";
import { shortHex } from "../shortHex.ts";

/**
 * The source chain has no receipt for the transaction (not mined yet, or dropped by a reorg). Retryable: the node may
 * not have it yet; a job stuck here for long should be looked at (its source transaction may be gone).
 *
 * @example
 * ```ts
 * await expect(transport.messagesIn(31338, "0x00…")).rejects.toBeInstanceOf(SourceTransactionNotFoundError);
 * ```
 */
export class SourceTransactionNotFoundError extends SlabridgeError {
  override readonly name = "SourceTransactionNotFoundError" as const;
  readonly sourceTransaction: string;

  constructor(sourceChainId: number, sourceTransaction: string, cause?: unknown) {
    super(`No receipt for ${shortHex(sourceTransaction)} on chain ${sourceChainId}.`, {
      retryable: true,
      ...(cause === undefined ? {} : { cause }),
    });
    this.sourceTransaction = sourceTransaction;
  }
}
