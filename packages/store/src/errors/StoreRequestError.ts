import { SlabridgeError } from "@slabridge/core";

/**
 * DynamoDB refused the request itself (validation, missing table, access denied). Retrying the same request will
 * not help.
 *
 * @example throw new StoreRequestError("Query", "Jobs", cause);
 */
export class StoreRequestError extends SlabridgeError {
  override readonly name = "StoreRequestError" as const;
  constructor(
    readonly operation: string,
    readonly table: string,
    cause: unknown,
  ) {
    super(`${operation} on ${table} was rejected by DynamoDB`, { cause, retryable: false });
  }
}
