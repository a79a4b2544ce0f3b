import { SlabridgeError } from "@slabridge/core";

/** An operator key file holds another key than the manifest names. Never retryable: the deployment is misconfigured. */
export class OperatorKeyMismatchError extends SlabridgeError {
  override readonly name = "OperatorKeyMismatchError" as const;
  constructor(publicKey: string) {
    super(`operator key file does not hold ${publicKey}`, { retryable: false });
  }
}
