import { InvalidStoreInputError } from "../errors/InvalidStoreInputError.ts";

/**
 * Checks a list limit: absent, or a positive integer (DynamoDB rejects 0).
 *
 * @example checkListLimit(25);
 */
export function checkListLimit(limit: number | undefined): void {
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1)) {
    throw new InvalidStoreInputError(`list limit must be a positive integer, got ${limit}`);
  }
}
