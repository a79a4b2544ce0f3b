import { assertTransition, type Job } from "@slabridge/core";
import { InvalidStoreInputError } from "../errors/InvalidStoreInputError.ts";

/**
 * Checks what a transition request must satisfy before any write: a legal step (IllegalTransitionError otherwise),
 * the same id, and a version one above the expected one (InvalidStoreInputError otherwise).
 *
 * @example checkJobTransition({ id, status: "observed", version: 1 }, { ...job, status: "finalized", version: 2 });
 */
export function checkJobTransition(expected: Pick<Job, "id" | "status" | "version">, next: Job): void {
  assertTransition(expected.id, expected.status, next.status);
  if (next.id !== expected.id) {
    throw new InvalidStoreInputError(`job ${expected.id}: transition to a job with another id (${next.id})`);
  }
  if (next.version !== expected.version + 1) {
    throw new InvalidStoreInputError(
      `job ${expected.id}: next.version must be ${expected.version + 1}, got ${next.version}`,
    );
  }
}
