import { SlabridgeError } from "@slabridge/core";

/**
 * The caller asked for a write the store's rules forbid (a version that does not step by one, a job whose id, kind
 * or source changed, a record that would not read back). A bug in the caller, so not retryable.
 *
 * @example throw new InvalidStoreInputError("job x: next.version must be 4, got 7");
 */
export class InvalidStoreInputError extends SlabridgeError {
  override readonly name = "InvalidStoreInputError" as const;
  constructor(reason: string) {
    super(reason, { retryable: false });
  }
}
