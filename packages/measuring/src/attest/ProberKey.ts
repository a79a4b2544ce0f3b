import { secp256k1 } from "@noble/curves/secp256k1";
import {
  bytesToHex,
  type Hex,
  hexToBytes,
  keccak256,
  type PrecomputedPublicKey,
  precomputedPublicKey,
  recoveryBitOf,
} from "@slabridge/core";
import { SignatureError } from "../errors.ts";

/**
 * A vantage point's own key: it signs 32-byte digests (its sample sets, and the SLA reports it co-signs) as a
 * 65-byte Ethereum signature (r, s, v = 27/28). Implemented with a private key locally (devnet accounts), with KMS in
 * AWS; only the prober function of that vantage point holds it, never the evaluator.
 */
export interface ProberKey {
  /** The key's Ethereum address, lowercase. */
  readonly address: Hex;
  signDigest(digest: Hex): Promise<Hex>;
}

/** The Ethereum address of an uncompressed secp256k1 public key (65 bytes, 0x04 ...), lowercase. */
function addressOf(publicKey: Uint8Array): Hex {
  return `0x${keccak256(publicKey.slice(1)).slice(-40)}` as Hex;
}

/**
 * A {@link ProberKey} over a raw private key (devnet and tests; the key stays in this closure, never in messages).
 *
 * @example const key = privateKeyProberKey("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
 */
export function privateKeyProberKey(privateKey: Hex): ProberKey {
  const secret = hexToBytes(privateKey);
  if (secret.length !== 32) throw new SignatureError("a prober private key must be 32 bytes");
  const address = addressOf(secp256k1.getPublicKey(secret, false));
  return {
    address,
    async signDigest(digest) {
      const signature = secp256k1.sign(hexToBytes(digest), secret);
      return `${bytesToHex(signature.toCompactRawBytes())}${(27 + signature.recovery).toString(16)}` as Hex;
    },
  };
}

/**
 * The address whose key made `signature` (65 bytes r ‖ s ‖ v, v 27/28 or 0/1) over `digest`, lowercase; throws
 * {@link SignatureError} on a malformed signature or one that recovers to no key.
 *
 * @example if (recoverSigner(digest, signature) !== registered) reject();
 */
export function recoverSigner(digest: Hex, signature: Hex): Hex {
  // Recovery is pure and costs ~1 ms of CPU: the evaluator and every co-signer check the same samples and receipts
  // again on each pass over an epoch, so a warm process remembers what it already recovered.
  const key = `${digest}:${signature}`.toLowerCase();
  const known = recovered.get(key);
  if (known !== undefined) return known;
  const signer = recoverKey(digest, signature).address;
  remember(key, signer);
  return signer;
}

function remember(key: string, signer: Hex): void {
  if (recovered.size >= RECOVERED_MAX) recovered.delete(recovered.keys().next().value as string);
  recovered.set(key, signer);
}

/**
 * Whether `signature` (65 bytes r ‖ s ‖ v) over `digest` is by `address`'s key. The first signature seen from an
 * address is checked by recovery and its public key kept (with a precomputed table); every later one is one
 * verification against that key, about 3x cheaper in JavaScript: the evaluator checks every sample of every prober,
 * each prober signing thousands. Throws {@link SignatureError} on a malformed signature, as {@link recoverSigner} does.
 *
 * @example if (!isSignedBy(digest, record.signature, registered)) reject();
 */
export function isSignedBy(digest: Hex, signature: Hex, address: Hex): boolean {
  const signer = address.toLowerCase() as Hex;
  const memo = `${digest}:${signature}`.toLowerCase();
  const seen = recovered.get(memo);
  if (seen !== undefined) return seen === signer;
  const known = signerKeys.get(signer);
  if (known === undefined) {
    const { point, address: by } = recoverKey(digest, signature);
    remember(memo, by);
    if (by !== signer) return false;
    if (signerKeys.size >= SIGNER_KEYS_MAX) signerKeys.delete(signerKeys.keys().next().value as Hex);
    signerKeys.set(signer, precomputedPublicKey(point));
    return true;
  }
  const { r, s, recovery } = parseSignature(signature);
  // The same key recovers from (r, s, v) exactly when the signature verifies and v is R's parity.
  const valid = recoveryBitOf(hexToBytes(digest), r, s, known) === recovery;
  if (valid) remember(memo, signer);
  return valid;
}

/** Public keys of the signers seen, by address (bounded: one per prober or gateway key, a few dozen in practice). */
const signerKeys = new Map<Hex, PrecomputedPublicKey>();
const SIGNER_KEYS_MAX = 256;

/** Signers already recovered, oldest first (bounded: a long-running prober's memory stays flat). */
const recovered = new Map<string, Hex>();
const RECOVERED_MAX = 100_000;

function parseSignature(signature: Hex): { r: bigint; s: bigint; recovery: 0 | 1; compact: Uint8Array } {
  const bytes = (() => {
    try {
      return hexToBytes(signature);
    } catch {
      throw new SignatureError("a signature must be hex");
    }
  })();
  if (bytes.length !== 65) throw new SignatureError("a signature must be 65 bytes (r, s, v)");
  const v = bytes[64] ?? 0;
  const recovery = v >= 27 ? v - 27 : v;
  if (recovery !== 0 && recovery !== 1) throw new SignatureError("a signature's v must be 27 or 28");
  const compact = bytes.slice(0, 64);
  const r = BigInt(bytesToHex(compact.slice(0, 32)));
  const s = BigInt(bytesToHex(compact.slice(32)));
  return { r, s, recovery, compact };
}

function recoverKey(digest: Hex, signature: Hex): { point: Uint8Array; address: Hex } {
  const { recovery, compact } = parseSignature(signature);
  try {
    const point = secp256k1.Signature.fromCompact(compact)
      .addRecoveryBit(recovery)
      .recoverPublicKey(hexToBytes(digest))
      .toRawBytes(false);
    return { point, address: addressOf(point) };
  } catch (cause) {
    throw new SignatureError("the signature recovers to no key", cause);
  }
}
