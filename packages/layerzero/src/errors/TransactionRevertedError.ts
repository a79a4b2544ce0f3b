import { SlabridgeError } from "@slabridge/core";
import { shortHex } from "../shortHex.ts";

/**
 * A transaction the transport sent (verify, commitVerification, lzReceive) was mined with status "reverted", or the
 * submitter failed, and the re-read destination state does not show another worker having done that step.
 * Retryable: the next attempt re-reads the state and decides again.
 *
 * @example
 * ```ts
 * if (e instanceof TransactionRevertedError) console.warn(e.transactionHash);
 * ```
 */
export class TransactionRevertedError extends SlabridgeError {
  override readonly name = "TransactionRevertedError" as const;
  readonly step: "verify" | "commitVerification" | "lzReceive";
  /** The mined transaction, when there is one (absent when the submitter threw before mining). */
  readonly transactionHash: string | undefined;

  constructor(params: {
    step: "verify" | "commitVerification" | "lzReceive";
    chainId: number;
    transactionHash?: string;
    cause?: unknown;
  }) {
    super(
      `LayerZero ${params.step} on chain ${params.chainId} failed${params.transactionHash ? ` in ${shortHex(params.transactionHash)}` : ""}.`,
      { retryable: true, ...(params.cause === undefined ? {} : { cause: params.cause }) },
    );
    this.step = params.step;
    this.transactionHash = params.transactionHash;
  }
}
