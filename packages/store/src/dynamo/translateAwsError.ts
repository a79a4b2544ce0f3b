import { SlabridgeError } from "@slabridge/core";
import { StoreRequestError } from "../errors/StoreRequestError.ts";
import { StoreUnavailableError } from "../errors/StoreUnavailableError.ts";

/** Service errors that mean "slow down or try again later". */
const RETRYABLE_NAMES = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "InternalServerError",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "TransactionConflictException",
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
]);

/** Node socket errors: the request may never have reached DynamoDB. */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_SOCKET",
]);

function fieldOf(value: unknown, name: string): unknown {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

function isRetryable(error: unknown): boolean {
  for (
    let current = error, depth = 0;
    current !== undefined && depth < 8;
    current = fieldOf(current, "cause"), depth++
  ) {
    const name = fieldOf(current, "name");
    if (typeof name === "string" && RETRYABLE_NAMES.has(name)) return true;
    const code = fieldOf(current, "code");
    if (typeof code === "string" && NETWORK_CODES.has(code)) return true;
    // The SDK marks transient and throttling errors itself.
    if (fieldOf(current, "$retryable") !== undefined) return true;
    const status = fieldOf(fieldOf(current, "$metadata"), "httpStatusCode");
    if (typeof status === "number" && (status >= 500 || status === 429)) return true;
  }
  return false;
}

/**
 * Translates whatever the AWS SDK threw into a typed slabridge error, once, at the store boundary: throttling, 5xx
 * and network failures become a retryable {@link StoreUnavailableError}, everything else a {@link StoreRequestError}.
 * Slabridge errors (already typed) pass through unchanged.
 *
 * @example try { await doc.send(cmd); } catch (e) { throw translateAwsError(e, "PutItem", table); }
 */
export function translateAwsError(error: unknown, operation: string, table: string): SlabridgeError {
  if (error instanceof SlabridgeError) return error;
  return isRetryable(error)
    ? new StoreUnavailableError(operation, table, error)
    : new StoreRequestError(operation, table, error);
}
