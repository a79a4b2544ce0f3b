import type { SendLease } from "@slabridge/core";
import { InvalidStoreInputError } from "../errors/InvalidStoreInputError.ts";

/**
 * Checks that a lease move steps the version by one: `expected + 1`, or 1 for a lease not stored yet.
 *
 * @example checkLeaseAdvance({ ...lease, version: lease.version + 1 }, lease.version); // ok
 */
export function checkLeaseAdvance(next: SendLease, expectedVersion: number | undefined): void {
  const want = (expectedVersion ?? 0) + 1;
  if (next.version !== want) {
    throw new InvalidStoreInputError(`send lease ${next.id}: next.version must be ${want}, got ${next.version}`);
  }
}
