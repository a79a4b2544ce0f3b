import type { Hex } from "../hex/hex.ts";
import { MESSAGE_KINDS, type MessageKindName } from "./constants.ts";
import { decodeMessage, messageKindOf } from "./decodeMessage.ts";
import { WrongKindError } from "./errors.ts";
import type { SlabridgeMessage } from "./messageSchemas.ts";

/**
 * Decodes a message that must be of kind `kind`, like `MessageCodec.decodeVerdict` & co.
 *
 * @throws {WrongKindError} for a well-formed message of another kind, else whatever {@link decodeMessage} throws.
 * @example
 * ```ts
 * const verdict = decodeMessageOfKind(payload, "Verdict"); // typed as Verdict
 * ```
 */
export function decodeMessageOfKind<K extends MessageKindName>(
  input: Hex | Uint8Array,
  kind: K,
): Extract<SlabridgeMessage, { kind: K }> {
  const actual = messageKindOf(input);
  if (actual !== MESSAGE_KINDS[kind]) throw new WrongKindError(MESSAGE_KINDS[kind], actual);
  return decodeMessage(input) as Extract<SlabridgeMessage, { kind: K }>;
}
