import { SlabridgeError } from "@slabridge/core";

/**
 * The VAA payload is not `uint32 dstChain || message` with a valid v1 slabridge message: too short to name a
 * destination, or the message fails core's codec (`cause` is the codec error: UnsupportedVersionError,
 * UnknownKindError, MalformedMessageError, ValueOutOfRangeError).
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof MalformedPayloadError) e.walk((c) => c instanceof UnknownKindError); }
 * ```
 */
export class MalformedPayloadError extends SlabridgeError {
  override readonly name = "MalformedPayloadError" as const;
  /** Payload length in bytes. */
  readonly length: number;
  constructor(length: number, options: { cause?: unknown; details?: string } = {}) {
    super(`Malformed slabridge payload in VAA (${length} bytes).`, { ...options, retryable: false });
    this.length = length;
  }
}
