import { SlabridgeError } from "@slabridge/core";

/**
 * The status API did not answer (connection refused, timeout, a 5xx): nothing was checked. Retryable; the URL in the
 * message is scrubbed of credentials.
 *
 * @example throw new StatusUnreachableError("http://127.0.0.1:8787", cause);
 */
export class StatusUnreachableError extends SlabridgeError {
  override readonly name = "StatusUnreachableError" as const;
  constructor(url: string, cause: unknown) {
    super(`The status API at ${url} did not answer.`, { cause, retryable: true });
  }
}

/**
 * The status API answered something that is not its documented shape (a wrong URL, another service). Not retryable.
 *
 * @example throw new InvalidStatusAnswerError("http://127.0.0.1:8787/models/2/epochs/7", "verdict: expected object");
 */
export class InvalidStatusAnswerError extends SlabridgeError {
  override readonly name = "InvalidStatusAnswerError" as const;
  constructor(url: string, details: string) {
    super(`The answer of ${url} is not a slabridge status API answer.`, { details, retryable: false });
  }
}

/**
 * The deployment does not list the model, or its epoch has not started. Not retryable.
 *
 * @example throw new UnknownEpochError(9n, 7n, "Model 9 is not listed in this deployment.");
 */
export class UnknownEpochError extends SlabridgeError {
  override readonly name = "UnknownEpochError" as const;
  constructor(
    readonly modelId: bigint,
    readonly epoch: bigint,
    reason: string,
  ) {
    super(`No epoch ${epoch} of model ${modelId}: ${reason}`, { retryable: false });
  }
}

/**
 * The epoch has nothing to verify yet: no verdict on chain, or no published evidence bundle. Retryable: the evaluator
 * records and publishes after the epoch's end and grace.
 *
 * @example throw new NoEvidenceYetError(2n, 7n, "no verdict is recorded");
 */
export class NoEvidenceYetError extends SlabridgeError {
  override readonly name = "NoEvidenceYetError" as const;
  constructor(
    readonly modelId: bigint,
    readonly epoch: bigint,
    reason: string,
  ) {
    super(`Nothing to verify for model ${modelId} epoch ${epoch} yet: ${reason}.`, { retryable: true });
  }
}

/**
 * What verify was asked cannot be done as asked: a non-loopback URL without opting in, a home chain that is not the
 * bundle's, an oracle other than the pinned one. Not retryable.
 *
 * @example throw new VerifyConfigError("the RPC serves chain 31337, the bundle's oracle is on 31338");
 */
export class VerifyConfigError extends SlabridgeError {
  override readonly name = "VerifyConfigError" as const;
  constructor(shortMessage: string) {
    super(shortMessage, { retryable: false });
  }
}
