/** A `0x`-prefixed hex string. */
export type Hex = `0x${string}`;

const HEX = /^0x(?:[0-9a-fA-F]{2})*$/;

/**
 * Whether `value` is a `0x`-prefixed hex string of whole bytes (even number of digits).
 *
 * @example
 * ```ts
 * isHex("0x01ab"); // true
 * isHex("0x1");    // false
 * ```
 */
export function isHex(value: unknown): value is Hex {
  return typeof value === "string" && HEX.test(value);
}

/**
 * Converts a `0x` hex string to bytes; throws a `TypeError` unless it is whole bytes of hex.
 *
 * @example
 * ```ts
 * hexToBytes("0x01ff"); // Uint8Array [1, 255]
 * ```
 */
export function hexToBytes(hex: Hex): Uint8Array {
  if (!isHex(hex)) throw new TypeError("Expected 0x-prefixed hex of whole bytes.");
  const bytes = new Uint8Array((hex.length - 2) / 2);
  // Digit values by char code: hashing paths convert every node, and slicing + parseInt per byte dominated them.
  for (let i = 0; i < bytes.length; i++) {
    bytes[i] = ((DIGIT[hex.charCodeAt(2 + 2 * i)] as number) << 4) | (DIGIT[hex.charCodeAt(3 + 2 * i)] as number);
  }
  return bytes;
}

/** Each hex digit's value by char code (the regex above has already refused anything else). */
const DIGIT = new Uint8Array(128);
for (let d = 0; d < 10; d++) DIGIT[48 + d] = d;
for (let d = 0; d < 6; d++) {
  DIGIT[97 + d] = 10 + d;
  DIGIT[65 + d] = 10 + d;
}

/** Two lowercase hex digits per byte value. */
const BYTE_HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

/**
 * Converts bytes to lowercase `0x` hex.
 *
 * @example
 * ```ts
 * bytesToHex(new Uint8Array([1, 255])); // "0x01ff"
 * ```
 */
export function bytesToHex(bytes: Uint8Array): Hex {
  let out = "0x";
  for (const byte of bytes) out += BYTE_HEX[byte] as string;
  return out as Hex;
}
