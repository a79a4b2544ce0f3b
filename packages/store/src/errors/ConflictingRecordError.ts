import { SlabridgeError } from "@slabridge/core";

/**
 * A write-once record (money data) already exists under the same key with different content. The store refuses to
 * overwrite it; someone must look at both.
 *
 * @example throw new ConflictingRecordError("Payments", "31337:1:42/0xab..", "amount");
 */
export class ConflictingRecordError extends SlabridgeError {
  override readonly name = "ConflictingRecordError" as const;
  constructor(
    readonly table: string,
    readonly key: string,
    readonly field: string,
  ) {
    super(`${table} item ${key} already exists with a different ${field}; refusing to overwrite`, {
      retryable: false,
    });
  }
}
