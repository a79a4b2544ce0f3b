import { SlabridgeError } from "@slabridge/core";
import { shortHex } from "../shortHex.ts";

/**
 * The source transaction does not have the confirmations the pathway requires yet, so the DVN must not attest it.
 * Retryable: ask again once more blocks are mined.
 *
 * @example
 * ```ts
 * try { await transport.deliver(ref, 31337); } catch (e) {
 *   if (e instanceof NotFinalYetError) retryIn(e.missingBlocks * blockTimeMs);
 * }
 * ```
 */
export class NotFinalYetError extends SlabridgeError {
  override readonly name = "NotFinalYetError" as const;
  /** The source transaction (full hash; the message shows a short form). */
  readonly sourceTransaction: string;
  /** Confirmations the source block has (1 = just mined). */
  readonly confirmations: bigint;
  /** Confirmations the pathway requires. */
  readonly required: bigint;
  /** Blocks still to be mined before the DVN may verify. */
  readonly missingBlocks: bigint;
  /** When the check was made (Unix ms, from the transport's clock). */
  readonly checkedAt: number;

  constructor(params: {
    sourceChainId: number;
    sourceTransaction: string;
    confirmations: bigint;
    required: bigint;
    checkedAt: number;
  }) {
    super(
      `LayerZero packet in ${shortHex(params.sourceTransaction)} on chain ${params.sourceChainId} has ${params.confirmations} of ${params.required} confirmations.`,
      { retryable: true },
    );
    this.sourceTransaction = params.sourceTransaction;
    this.confirmations = params.confirmations;
    this.required = params.required;
    this.missingBlocks = params.required - params.confirmations;
    this.checkedAt = params.checkedAt;
  }
}
