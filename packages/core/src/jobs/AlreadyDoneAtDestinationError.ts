import { SlabridgeError } from "../errors/SlabridgeError.ts";

/**
 * The destination refused a message because what it carries is already done there: the payout index is already paid
 * (`PayoutAlreadyPaid`, a racing worker published the same index twice) or the epoch already has its verdict
 * (`AlreadySettled`). The message's effect is on chain, so its delivery is done: the relay engine confirms the job
 * (`alreadyDone`) instead of retrying a revert that can never clear. Transports throw it for those reverts only.
 *
 * @example
 * if (revert.name === "PayoutAlreadyPaid") throw new AlreadyDoneAtDestinationError(guid, 31337, revert.name);
 */
export class AlreadyDoneAtDestinationError extends SlabridgeError {
  override readonly name = "AlreadyDoneAtDestinationError" as const;
  constructor(
    readonly messageId: string,
    readonly destinationChainId: number,
    /** The destination's revert (contract error name) that says the work is done. */
    readonly reason: string,
  ) {
    super(`message ${messageId}: chain ${destinationChainId} already has its effect (${reason})`, { retryable: false });
  }
}

/** Destination reverts that mean "this message's effect is already there" (see {@link AlreadyDoneAtDestinationError}). */
export const ALREADY_DONE_REVERTS: ReadonlySet<string> = new Set(["PayoutAlreadyPaid", "AlreadySettled"]);
