import { SlabridgeError } from "@slabridge/core";

/**
 * A stored item does not parse as the record it should be (hand-edited, written by an older version, truncated).
 * Not retryable: reading it again returns the same bytes.
 *
 * @example throw new CorruptRecordError("Jobs", "refund:31337:1:42", "source.block", "expected a decimal string");
 */
export class CorruptRecordError extends SlabridgeError {
  override readonly name = "CorruptRecordError" as const;
  constructor(
    readonly table: string,
    readonly key: string,
    readonly field: string,
    problem: string,
  ) {
    super(`${table} item ${key} is corrupt: field ${field || "(item)"} ${problem}`, { retryable: false });
  }
}
