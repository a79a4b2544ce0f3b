import { SlabridgeError } from "../errors/SlabridgeError.ts";
import { kindName } from "./messageLayouts.ts";

/** One problem `encodeMessage` found in its input. */
export interface MessageIssue {
  /** Path of the offending field, e.g. `["refundBps"]`. */
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

const describeKind = (kind: number): string => `${kind} (${kindName(kind) ?? "unknown"})`;

/**
 * `encodeMessage` got a message that does not fit the wire format: a missing or unknown kind, a value out of its
 * type's range, a bps value above 10,000, a bytes32 that is not 0x + 64 hex digits.
 *
 * @example
 * ```ts
 * try { encodeMessage({ ...verdict, refundBps: 10_001 }); }
 * catch (e) { if (e instanceof InvalidMessageError) e.issues; // [{ path: ["refundBps"], message: "…" }] }
 * ```
 */
export class InvalidMessageError extends SlabridgeError {
  override readonly name = "InvalidMessageError" as const;
  readonly issues: readonly MessageIssue[];
  constructor(issues: readonly MessageIssue[], options: { cause?: unknown } = {}) {
    super("Invalid slabridge message.", {
      ...options,
      metaMessages: issues.map((i) => `${i.path.map(String).join(".") || "(message)"}: ${i.message}`),
      details: `${issues.length} issue(s)`,
    });
    this.issues = issues;
  }
}

/**
 * The bytes given to `decodeMessage` are not `0x` hex of whole bytes.
 *
 * @example
 * ```ts
 * decodeMessage("0x123" as Hex); // throws InvalidHexError
 * ```
 */
export class InvalidHexError extends SlabridgeError {
  override readonly name = "InvalidHexError" as const;
  constructor() {
    super("Message bytes are not 0x-prefixed hex of whole bytes.");
  }
}

/**
 * Mirrors `MessageCodec.UnsupportedVersion(uint8 version)`: the message is shorter than its 2-byte header or its
 * version byte is not 1 (`version` is 0 for an empty message).
 *
 * @example
 * ```ts
 * decodeMessage("0x0201"); // throws UnsupportedVersionError { version: 2 }
 * ```
 */
export class UnsupportedVersionError extends SlabridgeError {
  override readonly name = "UnsupportedVersionError" as const;
  readonly version: number;
  constructor(version: number) {
    super(`Unsupported slabridge message version ${version} (or message shorter than its header).`);
    this.version = version;
  }
}

/**
 * Mirrors `MessageCodec.UnknownKind(uint8 kind)`: the kind byte names no message kind.
 *
 * @example
 * ```ts
 * decodeMessage("0x0109"); // throws UnknownKindError { kind: 9 }
 * ```
 */
export class UnknownKindError extends SlabridgeError {
  override readonly name = "UnknownKindError" as const;
  readonly kind: number;
  constructor(kind: number) {
    super(`Unknown slabridge message kind ${kind}.`);
    this.kind = kind;
  }
}

/**
 * Mirrors `MessageCodec.MalformedMessage(uint8 kind, uint256 length)`: the total length does not match the kind's
 * fixed layout (2 + 32 x fields bytes).
 *
 * @example
 * ```ts
 * decodeMessage("0x0101"); // throws MalformedMessageError { kind: 1, length: 2 }
 * ```
 */
export class MalformedMessageError extends SlabridgeError {
  override readonly name = "MalformedMessageError" as const;
  readonly kind: number;
  readonly length: number;
  constructor(kind: number, length: number, expectedLength: number) {
    super(`Malformed slabridge message of kind ${describeKind(kind)}: ${length} bytes, expected ${expectedLength}.`);
    this.kind = kind;
    this.length = length;
  }
}

/**
 * Mirrors `MessageCodec.WrongKind(uint8 expected, uint8 actual)`: a well-formed message of another kind than
 * `decodeMessageOfKind` was asked for.
 *
 * @example
 * ```ts
 * decodeMessageOfKind(encodeMessage(verdict), "Payout"); // throws WrongKindError { expected: 4, actual: 3 }
 * ```
 */
export class WrongKindError extends SlabridgeError {
  override readonly name = "WrongKindError" as const;
  readonly expected: number;
  readonly actual: number;
  constructor(expected: number, actual: number) {
    super(`Expected a slabridge message of kind ${describeKind(expected)}, got ${describeKind(actual)}.`);
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * Mirrors `MessageCodec.ValueOutOfRange(uint8 kind, uint256 field)`: field number `field` (0-based) does not fit
 * its type, a bool is neither 0 nor 1, or a bps value exceeds 10,000. `fieldName` names the field.
 *
 * @example
 * ```ts
 * // a Verdict whose refundBps word is 10001
 * catch (e) { if (e instanceof ValueOutOfRangeError) e.fieldName; // "refundBps" }
 * ```
 */
export class ValueOutOfRangeError extends SlabridgeError {
  override readonly name = "ValueOutOfRangeError" as const;
  readonly kind: number;
  readonly field: number;
  readonly fieldName: string;
  constructor(kind: number, field: number, fieldName: string) {
    super(`Field ${field} (${fieldName}) of a slabridge message of kind ${describeKind(kind)} is out of range.`);
    this.kind = kind;
    this.field = field;
    this.fieldName = fieldName;
  }
}

/** Any error `decodeMessage` / `decodeMessageOfKind` throws. @example `catch (e) { const err = e as MessageDecodeError; err.name; }` */
export type MessageDecodeError =
  | InvalidHexError
  | UnsupportedVersionError
  | UnknownKindError
  | MalformedMessageError
  | WrongKindError
  | ValueOutOfRangeError;
