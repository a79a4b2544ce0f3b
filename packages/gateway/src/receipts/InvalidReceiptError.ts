import { SlabridgeError } from "@slabridge/core";

/** A usage receipt that does not decode, or was not signed by the gateway for that chain. */
export class InvalidReceiptError extends SlabridgeError {
  override readonly name = "InvalidReceiptError" as const;
  constructor(details: string, cause?: unknown) {
    super("The usage receipt is not valid.", { details, cause });
  }
}
