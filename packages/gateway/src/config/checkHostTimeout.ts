import { InvalidGatewayConfigError } from "../errors/InvalidGatewayConfigError.ts";

/** The longest the stock server scheme holds a voucher's reservation, whatever `maxTimeoutSeconds` asks (10 min). */
const SDK_MAX_RESERVATION_MS = 600_000;

/**
 * Checks that a model's host call ends before the voucher's reservation can: the SDK holds a paid call's reservation
 * for `maxTimeoutSeconds` (at most {@link SDK_MAX_RESERVATION_MS}), and a call that outlives it (a long stream) would
 * let the channel serve another call meanwhile and lose its own charge at the end.
 *
 * @throws {InvalidGatewayConfigError} when `hostTimeoutMs` is longer than the reservation.
 * @example checkHostTimeout("llama", 30_000, 300) // passes: 30 s within 300 s
 */
export function checkHostTimeout(key: string, hostTimeoutMs: number, maxTimeoutSeconds: number): void {
  const reservationMs = Math.min(maxTimeoutSeconds * 1_000, SDK_MAX_RESERVATION_MS);
  if (hostTimeoutMs > reservationMs) {
    throw new InvalidGatewayConfigError(
      `model ${key}: hostTimeoutMs ${hostTimeoutMs} outlasts the voucher reservation (${reservationMs} ms, from maxTimeoutSeconds ${maxTimeoutSeconds})`,
    );
  }
}
