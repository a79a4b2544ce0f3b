import type { VaaId } from "./vaaId.ts";

/** A serialized VAA cut at its fixed offsets, before any signature is checked. */
export interface VaaParts {
  readonly version: number;
  readonly guardianSetIndex: number;
  readonly signatureCount: number;
  /** The signed body (timestamp onwards); the guardians sign keccak256(keccak256(body)). */
  readonly body: Uint8Array;
  readonly id: VaaId;
  readonly payload: Uint8Array;
}

const HEADER = 6;
const SIGNATURE = 66;
/** timestamp 4, nonce 4, chain 2, emitter 32, sequence 8, consistency 1. */
const ENVELOPE = 51;

/**
 * Cuts a serialized VAA at the offsets of the v1 layout (header, signatures, body), or returns undefined when the
 * bytes are too short for it. Used to check a guardian API's answer against the id asked for and to read the
 * guardian set index before choosing the set to verify with; {@link verifyVaa} does the real parsing.
 *
 * @example
 * ```ts
 * const parts = splitVaa(bytes); if (parts?.guardianSetIndex !== 0) ...
 * ```
 */
export function splitVaa(bytes: Uint8Array): VaaParts | undefined {
  const signatureCount = bytes[5];
  if (bytes.length < HEADER || signatureCount === undefined) return undefined;
  const bodyStart = HEADER + SIGNATURE * signatureCount;
  if (bytes.length < bodyStart + ENVELOPE) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const body = bytes.subarray(bodyStart);
  const emitter = Array.from(body.subarray(10, 42), (b) => b.toString(16).padStart(2, "0")).join("");
  return {
    version: bytes[0] ?? 0,
    guardianSetIndex: view.getUint32(1),
    signatureCount,
    body,
    id: { chain: view.getUint16(bodyStart + 8), emitter, sequence: view.getBigUint64(bodyStart + 42) },
    payload: body.subarray(ENVELOPE),
  };
}
