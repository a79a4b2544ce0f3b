import { SlabridgeError } from "@slabridge/core";

/**
 * The transport cannot serve this request with its configuration: an unknown chain id, a packet for an eid no
 * configured chain has, or slabridge's DVN missing from the destination's receive ULN config. Not retryable.
 *
 * @example
 * ```ts
 * await expect(transport.quote(1, 31337, message)).rejects.toBeInstanceOf(LayerZeroConfigError);
 * ```
 */
export class LayerZeroConfigError extends SlabridgeError {
  override readonly name = "LayerZeroConfigError" as const;

  constructor(message: string) {
    super(message, { retryable: false });
  }
}
