import { translateAwsError } from "./translateAwsError.ts";

/**
 * Runs one DynamoDB request; a conditional-check failure resolves to `undefined` (the caller's "someone else got
 * there first"), every other failure is thrown as a typed slabridge error.
 *
 * @example const out = await storeCall("PutItem", table, () => doc.send(put)); if (out === undefined) return false;
 */
export async function storeCall<T>(operation: string, table: string, run: () => Promise<T>): Promise<T | undefined> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof Error && error.name === "ConditionalCheckFailedException") return undefined;
    throw translateAwsError(error, operation, table);
  }
}
