import { SlabridgeError } from "@slabridge/core";
import type { Address } from "viem";

/**
 * A report could not be signed into something the SlaOracle accepts: the same signer twice (the oracle reverts
 * DuplicateSignature), no signers, or a signer whose signature does not recover to its own address (a
 * misconfigured key would otherwise surface only as UnknownSigner on chain, after gas). Not retryable.
 *
 * @example
 * ```ts
 * try { await signSlaReport(report, target, signers); }
 * catch (e) { if (e instanceof SlaSigningError) console.error(e.signer, e.shortMessage); }
 * ```
 */
export class SlaSigningError extends SlabridgeError {
  override readonly name = "SlaSigningError" as const;
  /** The signer at fault, when one is. */
  readonly signer: Address | undefined;
  constructor(shortMessage: string, options: { signer?: Address; cause?: unknown } = {}) {
    super(shortMessage, {
      cause: options.cause,
      metaMessages: options.signer === undefined ? [] : [`signer: ${options.signer}`],
    });
    this.signer = options.signer;
  }
}
