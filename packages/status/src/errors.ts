import { SlabridgeError } from "@slabridge/core";

/**
 * A status API request whose path parameters or query fail validation (400). Nothing is read for it.
 *
 * @example throw new InvalidStatusRequestError(["epoch: must be a decimal uint64"]);
 */
export class InvalidStatusRequestError extends SlabridgeError {
  override readonly name = "InvalidStatusRequestError" as const;
  readonly issues: readonly string[];
  constructor(issues: readonly string[]) {
    super("The request is invalid.", { details: issues.join("; "), retryable: false });
    this.issues = issues;
  }
}

/** What a 404 did not find. */
export type StatusNotFoundKind = "route" | "model" | "epoch" | "evidence";

/**
 * The route, the model (not listed in the deployment manifest), the epoch (not started yet) or the evidence bundle
 * (none stored at that address) does not exist (404).
 *
 * @example throw new StatusNotFoundError("model", "model 9 is not listed");
 */
export class StatusNotFoundError extends SlabridgeError {
  override readonly name = "StatusNotFoundError" as const;
  readonly kind: StatusNotFoundKind;
  constructor(kind: StatusNotFoundKind, message: string) {
    super(message, { retryable: false });
    this.kind = kind;
  }
}

/**
 * A known route asked with a method other than GET (405): the status API only reads.
 *
 * @example throw new StatusMethodNotAllowedError("POST");
 */
export class StatusMethodNotAllowedError extends SlabridgeError {
  override readonly name = "StatusMethodNotAllowedError" as const;
  constructor(method: string) {
    super(`Method ${method} is not allowed: the status API only answers GET.`, { retryable: false });
  }
}

/**
 * The status API's world was configured in a way it refuses or cannot serve: a non-loopback Solana RPC URL without
 * `allowNonLoopback` (so tests and the devnet never reach a public node), or a model whose home chain has no
 * registry and oracle reader. The URL itself is never in the message.
 *
 * @example throw new StatusConfigError("Refusing non-loopback Solana RPC host without allowNonLoopback.");
 */
export class StatusConfigError extends SlabridgeError {
  override readonly name = "StatusConfigError" as const;
  constructor(message: string) {
    super(message, { retryable: false });
  }
}
