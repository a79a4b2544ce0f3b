import { SlabridgeError } from "@slabridge/core";

/**
 * The VAA's payload names another slabridge chain than the one we would deliver it to (`WrongDestination`).
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof WrongDestinationError) deliverTo(e.destination); }
 * ```
 */
export class WrongDestinationError extends SlabridgeError {
  override readonly name = "WrongDestinationError" as const;
  readonly destination: number;
  readonly expected: number;
  constructor(destination: number, expected: number) {
    super(`VAA is addressed to slabridge chain ${destination}, not ${expected}.`, { retryable: false });
    this.destination = destination;
    this.expected = expected;
  }
}
