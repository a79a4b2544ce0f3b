import { SlabridgeError } from "@slabridge/core";

/**
 * The net function was invoked with an event that is not a schedule event (an object or nothing). Not retryable:
 * nothing was read or sent.
 *
 * @example
 * ```ts
 * await createNetHandler(getWorld)("now"); // throws InvalidNetEventError
 * ```
 */
export class InvalidNetEventError extends SlabridgeError {
  override readonly name = "InvalidNetEventError" as const;
  constructor(reason: string) {
    super(`Invalid net event: ${reason}.`, { retryable: false });
  }
}
