import type { Hex } from "@slabridge/core";

/**
 * `value` as a big-endian uint32 (4 bytes), the `dstChain` prefix of slabridge's Wormhole payloads.
 *
 * @example uint32Hex(31338) // "0x00007a6a"
 */
export function uint32Hex(value: number): Hex {
  return `0x${value.toString(16).padStart(8, "0")}`;
}

/**
 * The uint32 in a payload's first 4 bytes, or undefined when the payload is shorter.
 *
 * @example uint32At("0x00007a6a01…") // 31338
 */
export function uint32At(payload: Hex): number | undefined {
  return payload.length >= 10 ? Number.parseInt(payload.slice(2, 10), 16) : undefined;
}

/**
 * The bytes of `payload` after its first `bytes` bytes.
 *
 * @example afterBytes("0x00007a6a01", 4) // "0x01"
 */
export function afterBytes(payload: Hex, bytes: number): Hex {
  return `0x${payload.slice(2 + 2 * bytes)}`;
}

/**
 * An EVM address left-padded to bytes32 (a Wormhole emitter), lower case.
 *
 * @example leftPad32("0xAbC…") // "0x000000000000000000000000abc…"
 */
export function leftPad32(address: Hex): Hex {
  return `0x${address.slice(2).toLowerCase().padStart(64, "0")}`;
}
