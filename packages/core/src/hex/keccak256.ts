import { keccak_256 } from "@noble/hashes/sha3";
import { bytesToHex, type Hex, hexToBytes } from "./hex.ts";

/**
 * Keccak-256 (Ethereum's hash) of bytes or `0x` hex, as lowercase `0x` hex.
 *
 * @example
 * ```ts
 * keccak256("0x"); // "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
 * ```
 */
export function keccak256(data: Hex | Uint8Array): Hex {
  return bytesToHex(keccak_256(typeof data === "string" ? hexToBytes(data) : data));
}
