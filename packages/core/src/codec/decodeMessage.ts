import { bytesToHex, type Hex, hexToBytes, isHex } from "../hex/hex.ts";
import { MESSAGE_VERSION } from "./constants.ts";
import {
  InvalidHexError,
  MalformedMessageError,
  UnknownKindError,
  UnsupportedVersionError,
  ValueOutOfRangeError,
} from "./errors.ts";
import { type FieldLayout, kindName, MESSAGE_LAYOUTS } from "./messageLayouts.ts";
import { type SlabridgeMessage, slabridgeMessageSchema } from "./messageSchemas.ts";

const HEADER_LENGTH = 2;

function toBytes(input: Hex | Uint8Array): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (!isHex(input)) throw new InvalidHexError();
  return hexToBytes(input);
}

function fieldValue(field: FieldLayout, word: Uint8Array): bigint | number | boolean | Hex {
  switch (field.type) {
    case "bytes32":
      return bytesToHex(word);
    case "bool":
      return word[31] === 1;
    case "uint32":
    case "uint16":
      return Number(BigInt(bytesToHex(word)));
    default:
      return BigInt(bytesToHex(word));
  }
}

/**
 * Checks a message's header and exact length and returns its kind byte, like `MessageCodec.kindOf`.
 *
 * @throws {UnsupportedVersionError | UnknownKindError | MalformedMessageError | InvalidHexError}
 * @example
 * ```ts
 * messageKindOf(encodeMessage(verdict)); // 3
 * ```
 */
export function messageKindOf(input: Hex | Uint8Array): number {
  const bytes = toBytes(input);
  if (bytes.length < HEADER_LENGTH || bytes[0] !== MESSAGE_VERSION) throw new UnsupportedVersionError(bytes[0] ?? 0);
  const kind = bytes[1] ?? 0;
  const name = kindName(kind);
  if (name === undefined) throw new UnknownKindError(kind);
  const expectedLength = HEADER_LENGTH + 32 * MESSAGE_LAYOUTS[name].fields.length;
  if (bytes.length !== expectedLength) throw new MalformedMessageError(kind, bytes.length, expectedLength);
  return kind;
}

/**
 * Decodes a wire-format v1 message, rejecting exactly what `MessageCodec.decode*` rejects, with the same errors in
 * the same order: version, kind, length, then each field in order (uint64/uint32 overflow, bool not 0/1, bps above
 * 10,000). bytes32 fields come back as lowercase hex.
 *
 * @throws {UnsupportedVersionError | UnknownKindError | MalformedMessageError | ValueOutOfRangeError | InvalidHexError}
 * @example
 * ```ts
 * const msg = decodeMessage(payload);
 * switch (msg.kind) {
 *   case "Verdict": applyVerdict(msg.modelId, msg.epoch, msg.refundBps); break;
 *   case "Payout": pay(msg.payee, msg.shareBps); break;
 * }
 * ```
 */
export function decodeMessage(input: Hex | Uint8Array): SlabridgeMessage {
  const bytes = toBytes(input);
  const kind = messageKindOf(bytes);
  const name = kindName(kind);
  if (name === undefined) throw new UnknownKindError(kind); // unreachable: messageKindOf checked it
  const result: Record<string, unknown> = { kind: name };
  MESSAGE_LAYOUTS[name].fields.forEach((field, index) => {
    const start = HEADER_LENGTH + 32 * index;
    const word = bytes.subarray(start, start + 32);
    if (BigInt(bytesToHex(word)) > field.max) throw new ValueOutOfRangeError(kind, index, field.name);
    result[field.name] = fieldValue(field, word);
  });
  return slabridgeMessageSchema.parse(result);
}
