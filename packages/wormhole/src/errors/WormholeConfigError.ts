import { SlabridgeError } from "@slabridge/core";

/**
 * The transport was asked about something its configuration cannot serve: an unconfigured chain, a message ref of
 * another transport or with an unparsable id, an invalid guardian API base URL. Not retryable.
 *
 * @example
 * ```ts
 * new WormholeTransport({ ... }).quote(999, 31338, message); // throws WormholeConfigError (chain 999 unknown)
 * ```
 */
export class WormholeConfigError extends SlabridgeError {
  override readonly name = "WormholeConfigError" as const;
  constructor(shortMessage: string) {
    super(shortMessage, { retryable: false });
  }
}
