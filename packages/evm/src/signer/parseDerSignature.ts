import { SlabridgeError } from "@slabridge/core";

/** KMS answered with bytes that are not what its documentation promises. Not retryable: the key or client is wrong. */
export class KmsResponseError extends SlabridgeError {
  override readonly name = "KmsResponseError" as const;
  constructor(message: string) {
    super(message, { retryable: false });
  }
}

function readLength(der: Uint8Array, at: number): [length: number, next: number] {
  const first = der[at];
  if (first === undefined) throw new KmsResponseError("DER signature is truncated");
  if (first < 0x80) return [first, at + 1];
  // Long form: a signature's parts are at most 33 bytes each, so one length byte is all AWS ever sends.
  if (first !== 0x81) throw new KmsResponseError("DER signature has an unexpected length form");
  const length = der[at + 1];
  if (length === undefined) throw new KmsResponseError("DER signature is truncated");
  return [length, at + 2];
}

function readInteger(der: Uint8Array, at: number): [value: bigint, next: number] {
  if (der[at] !== 0x02) throw new KmsResponseError("DER signature part is not an INTEGER");
  const [length, start] = readLength(der, at + 1);
  const end = start + length;
  if (length === 0 || end > der.length) throw new KmsResponseError("DER signature INTEGER is malformed");
  let value = 0n;
  // A leading 0x00 keeps a high-bit value positive; it adds nothing to the number.
  for (let i = start; i < end; i += 1) value = (value << 8n) | BigInt(der[i] as number);
  return [value, end];
}

/**
 * (r, s) of an ECDSA signature in the DER form KMS's `Sign` returns (RFC 3279: SEQUENCE { r INTEGER, s INTEGER },
 * each INTEGER minimal, with a leading zero byte when its high bit is set).
 *
 * @throws {KmsResponseError} when the bytes are not exactly that.
 * @example parseDerSignature(signature) // { r: 0x6b8d…n, s: 0x1f3a…n }
 */
export function parseDerSignature(der: Uint8Array): { r: bigint; s: bigint } {
  if (der[0] !== 0x30) throw new KmsResponseError("DER signature is not a SEQUENCE");
  const [length, start] = readLength(der, 1);
  if (start + length !== der.length) throw new KmsResponseError("DER signature length does not match its bytes");
  const [r, afterR] = readInteger(der, start);
  const [s, end] = readInteger(der, afterR);
  if (end !== der.length) throw new KmsResponseError("DER signature has trailing bytes");
  return { r, s };
}

// SubjectPublicKeyInfo of an id-ecPublicKey on secp256k1 with an uncompressed point, as KMS's GetPublicKey returns.
const SECP256K1_SPKI_PREFIX = "3056301006072a8648ce3d020106052b8104000a034200";

/**
 * The uncompressed secp256k1 point (65 bytes, 0x04 first) of KMS's SPKI DER public key.
 *
 * @throws {KmsResponseError} for any other key (another curve, a compressed point).
 */
export function secp256k1PointOfSpki(spki: Uint8Array): Uint8Array {
  const prefix = Buffer.from(spki.subarray(0, SECP256K1_SPKI_PREFIX.length / 2)).toString("hex");
  const point = spki.subarray(SECP256K1_SPKI_PREFIX.length / 2);
  if (prefix !== SECP256K1_SPKI_PREFIX || point.length !== 65 || point[0] !== 0x04) {
    throw new KmsResponseError("KMS public key is not an uncompressed secp256k1 SubjectPublicKeyInfo");
  }
  return point;
}
