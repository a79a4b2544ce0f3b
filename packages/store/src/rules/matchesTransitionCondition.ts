import type { Job } from "@slabridge/core";
import { SOURCE_FIELDS } from "./sourceFields.ts";

/**
 * The memory store's copy of the DynamoDB transition condition: the stored item still has the expected status and
 * version, and the same kind and source as the next job's item. Checked on raw items, exactly as DynamoDB does.
 *
 * @example if (!matchesTransitionCondition(stored, expected, jobItem.encode(next))) return false;
 */
export function matchesTransitionCondition(
  stored: Record<string, unknown>,
  expected: Pick<Job, "status" | "version">,
  nextItem: Record<string, unknown>,
): boolean {
  if (stored.status !== expected.status || stored.version !== expected.version || stored.kind !== nextItem.kind) {
    return false;
  }
  const a = stored.source;
  const b = nextItem.source;
  if (typeof a !== "object" || a === null || typeof b !== "object" || b === null) return false;
  const storedSource = a as Record<string, unknown>;
  const nextSource = b as Record<string, unknown>;
  return SOURCE_FIELDS.every((name) => storedSource[name] === nextSource[name]);
}
