import { SlabridgeError } from "@slabridge/core";

/**
 * The devnet lacks what a caller asked of it: a chain, an escrow, a demo buyer, a key of the expected kind. Never
 * retryable: the devnet's shape is fixed when it starts.
 *
 * @example throw new DevnetShapeError("the devnet has no Solana");
 */
export class DevnetShapeError extends SlabridgeError {
  override readonly name = "DevnetShapeError" as const;

  constructor(shortMessage: string) {
    super(shortMessage, { retryable: false });
  }
}
