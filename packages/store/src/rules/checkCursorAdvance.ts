import type { Cursor } from "@slabridge/core";
import { InvalidStoreInputError } from "../errors/InvalidStoreInputError.ts";

/**
 * Checks that an advance steps the version by one: `expected + 1`, or 1 for a cursor not stored yet.
 *
 * @example checkCursorAdvance({ ...cursor, version: 1 }, undefined); // ok
 */
export function checkCursorAdvance(next: Cursor, expectedVersion: number | undefined): void {
  const want = (expectedVersion ?? 0) + 1;
  if (next.version !== want) {
    throw new InvalidStoreInputError(`cursor ${next.id}: next.version must be ${want}, got ${next.version}`);
  }
}
