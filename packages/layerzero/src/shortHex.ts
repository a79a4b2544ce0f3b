/**
 * A 32-byte hash shortened for messages (`0x1c9b48…ba8f9`). slabridge's error scrubber redacts every full 32-byte hex
 * string (a private key looks the same as a GUID or a transaction hash), so errors carry the full value in a typed
 * field and only this short form in their text.
 *
 * @example
 * ```ts
 * shortHex(`0x${"ab".repeat(32)}`); // "0xababab…ababab"
 * ```
 */
export function shortHex(value: string): string {
  return value.length > 18 ? `${value.slice(0, 8)}…${value.slice(-6)}` : value;
}
