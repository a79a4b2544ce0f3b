import { SlabridgeError } from "@slabridge/core";

/**
 * Another worker advanced the watcher's cursor first. Retryable: the next poll starts from the newer cursor
 * (and re-delivers nothing it already committed).
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof CursorConflictError) return; // someone else is polling
 * }
 * ```
 */
export class CursorConflictError extends SlabridgeError {
  override readonly name = "CursorConflictError" as const;
  constructor(readonly cursorId: string) {
    super(`Cursor ${cursorId} was moved by another worker.`, { retryable: true });
  }
}
