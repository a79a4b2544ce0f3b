import { SlabridgeError } from "@slabridge/core";

/**
 * A probe-round payload (coordinator -> prober) does not match its schema: nothing is probed or recorded. Not
 * retryable: the same payload fails the same way.
 *
 * @example throw new InvalidProbePayloadError("targets.0.timeoutMs: Too small");
 */
export class InvalidProbePayloadError extends SlabridgeError {
  override readonly name = "InvalidProbePayloadError" as const;
  constructor(details: string) {
    super("Invalid probe round payload.", { details, retryable: false });
  }
}

/**
 * The stage config or manifest cannot drive measuring: no `probing` section, an unknown vantage point, a non-loopback
 * Lambda endpoint in local mode, a home chain without its registry or oracle. Not retryable.
 *
 * @example throw new MeasureConfigError("the stage config has no probing section");
 */
export class MeasureConfigError extends SlabridgeError {
  override readonly name = "MeasureConfigError" as const;
  constructor(shortMessage: string) {
    super(shortMessage, { retryable: false });
  }
}

/**
 * A prober key reference this process cannot sign with (another kind than an anvil account or, with a KMS client, a KMS key). Not
 * retryable; the key material is never part of the message.
 *
 * @example throw new UnsupportedSignerError("kms", 1);
 */
export class UnsupportedSignerError extends SlabridgeError {
  override readonly name = "UnsupportedSignerError" as const;
  constructor(
    readonly kind: string,
    readonly index: number,
  ) {
    super(`Prober key ${index}: "${kind}" keys cannot sign SLA reports here.`, {
      retryable: false,
      metaMessages: ["Reports are signed by anvil dev accounts (devnet) or KMS keys (with a KMS client)."],
    });
  }
}

/**
 * Invoking a prober function failed (the Lambda API refused or was unreachable). Retryable: the coordinator's
 * schedule retries the round, and a prober ignores the part of a round it already recorded.
 *
 * @example throw new ProberInvokeError("local-2", cause);
 */
export class ProberInvokeError extends SlabridgeError {
  override readonly name = "ProberInvokeError" as const;
  constructor(
    readonly vantage: string,
    cause: unknown,
  ) {
    super(`Could not invoke the prober of vantage point ${vantage}.`, { cause, retryable: true });
  }
}

/**
 * A signature (a sample set's, a co-signed report's) is malformed or recovers to no key, or a prober key is unusable.
 * Not retryable: the same bytes fail the same way. Never carries key material.
 *
 * @example throw new SignatureError("a signature must be 65 bytes (r, s, v)");
 */
export class SignatureError extends SlabridgeError {
  override readonly name = "SignatureError" as const;
  constructor(shortMessage: string, cause?: unknown) {
    super(shortMessage, { retryable: false, ...(cause === undefined ? {} : { cause }) });
  }
}

/**
 * A prober refuses to co-sign a report: the evidence bundle is missing or does not hash to its address, a sample set
 * in it is not signed by its registered vantage point, or the report recomputed from it differs from the one
 * proposed. Not retryable: the evaluator must propose what the published evidence says.
 *
 * @example throw new CosignRefusedError("local-2", "uptimeBps: proposed 10000, recomputed 7000");
 */
export class CosignRefusedError extends SlabridgeError {
  override readonly name = "CosignRefusedError" as const;
  constructor(
    readonly vantage: string,
    details: string,
  ) {
    super(`The prober of ${vantage} refused to co-sign the report.`, { details, retryable: false });
  }
}
