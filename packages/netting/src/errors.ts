import { SlabridgeError } from "@slabridge/core";

/**
 * A round's `fromBlock` cursor was written (by this worker or a racing one) but cannot be read back. Retryable: the
 * round is left for the next run, which reads it again.
 *
 * @example
 * ```ts
 * if (e instanceof NettingCursorVanishedError) retryLater(e.cursorId);
 * ```
 */
export class NettingCursorVanishedError extends SlabridgeError {
  override readonly name = "NettingCursorVanishedError" as const;
  readonly cursorId: string;
  constructor(cursorId: string) {
    super(`the fromBlock cursor ${cursorId} vanished`, { retryable: true });
    this.cursorId = cursorId;
  }
}

/**
 * A payer's result lacks a payee the round owes: the payout is neither paid nor found paid. Retryable: the round
 * stays netted and its payouts are tried again by the next run (the payer is idempotent).
 *
 * @example
 * ```ts
 * if (e instanceof NettingPayoutMissingError) retryLater(e.account);
 * ```
 */
export class NettingPayoutMissingError extends SlabridgeError {
  override readonly name = "NettingPayoutMissingError" as const;
  readonly account: string;
  constructor(account: string, roundId: string) {
    super(`the Solana vault did not pay ${account} in round ${roundId}`, { retryable: true });
    this.account = account;
  }
}
