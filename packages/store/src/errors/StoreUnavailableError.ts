import { SlabridgeError } from "@slabridge/core";

/**
 * DynamoDB could not be reached or asked us to slow down (throttling, 5xx, network failure). Retryable.
 *
 * @example throw new StoreUnavailableError("PutItem", "Jobs", cause);
 */
export class StoreUnavailableError extends SlabridgeError {
  override readonly name = "StoreUnavailableError" as const;
  constructor(
    readonly operation: string,
    readonly table: string,
    cause: unknown,
  ) {
    super(`${operation} on ${table} failed; DynamoDB is unavailable or throttling`, { cause, retryable: true });
  }
}
