import { SlabridgeError } from "@slabridge/core";

/**
 * Another send out of the vault for this (model, epoch) holds the send lease, or names a transaction that may still
 * land: refunds, payouts and netted payouts all back off with this until it settled. Retryable.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof VaultSendInFlightError) return retryLater(); }
 * ```
 */
export class VaultSendInFlightError extends SlabridgeError {
  override readonly name = "VaultSendInFlightError" as const;
  constructor(reason: string) {
    super(reason, { retryable: true });
  }
}
