import { GetPublicKeyCommand, type KMSClient, SignCommand } from "@aws-sdk/client-kms";
import { secp256k1 } from "@noble/curves/secp256k1";
import {
  onceUntilFailure,
  type PrecomputedPublicKey,
  precomputedPublicKey,
  recoveryBitOf,
  SlabridgeError,
} from "@slabridge/core";
import {
  bytesToHex,
  getAddress,
  type Hex,
  hashMessage,
  hashTypedData,
  hexToBytes,
  keccak256,
  type LocalAccount,
  numberToHex,
  type Signature,
  serializeSignature,
  serializeTransaction,
} from "viem";
import { publicKeyToAddress, toAccount } from "viem/accounts";
import { KmsResponseError, parseDerSignature, secp256k1PointOfSpki } from "./parseDerSignature.ts";

/**
 * The KMS key does not hold the key the deployment names (its public key differs), or could not be reached. The key
 * id is named (it is an identifier, not a secret); no key material ever is.
 */
export class KmsSignerError extends SlabridgeError {
  override readonly name = "KmsSignerError" as const;
  constructor(message: string, options: { retryable: boolean; cause?: unknown }) {
    super(message, options);
  }
}

const N = secp256k1.CURVE.n;

/** A KMS-backed viem account; it always signs bare digests (`sign`), which KMS does natively. */
export type KmsEvmAccount = LocalAccount<"kms"> & { sign: NonNullable<LocalAccount["sign"]> };

/** Options of {@link kmsEvmAccount}. */
export interface KmsEvmAccountOptions {
  kms: KMSClient;
  /** A key id, key ARN or alias of an `ECC_SECG_P256K1` / `SIGN_VERIFY` key. */
  keyId: string;
  /** The key's uncompressed public key (0x04…, 65 bytes) as the manifest records it: gives the address up front. */
  publicKey: Hex;
}

/**
 * A viem `LocalAccount` whose key stays in AWS KMS: every signature is one KMS `Sign` of a 32-byte digest. The
 * address comes from the manifest's public key, so building the account makes no call; the first signature fetches
 * the key's public key once and refuses to sign if it is another key. KMS returns DER with s on either half of the
 * curve: s is normalized to the low half (Ethereum rejects high s) and the recovery bit found by recovering both.
 *
 * @example
 * ```ts
 * const account = kmsEvmAccount({ kms, keyId: "alias/dvn", publicKey: "0x04…" });
 * const raw = await account.signTransaction({ chainId, type: "eip1559", to, nonce, gas, maxFeePerGas, maxPriorityFeePerGas });
 * ```
 */
export function kmsEvmAccount(options: KmsEvmAccountOptions): KmsEvmAccount {
  const { kms, keyId } = options;
  const expected = pointOf(options.publicKey);
  const key = precomputedPublicKey(expected);
  const address = getAddress(publicKeyToAddress(options.publicKey));
  // Checked once before the first signature; a failed check is tried again next time.
  const checkKey = onceUntilFailure(async () => {
    const got = await kms.send(new GetPublicKeyCommand({ KeyId: keyId })).catch((cause: unknown) => {
      throw new KmsSignerError(`KMS GetPublicKey of ${keyId} failed`, { retryable: true, cause });
    });
    if (!got.PublicKey) throw new KmsResponseError(`KMS GetPublicKey of ${keyId} returned no key`);
    if (bytesToHex(secp256k1PointOfSpki(got.PublicKey)) !== bytesToHex(expected)) {
      throw new KmsSignerError(`KMS key ${keyId} is not the key of ${address}`, { retryable: false });
    }
  });

  const signHash = async (hash: Hex): Promise<Signature> => {
    await checkKey();
    const signed = await kms
      .send(
        new SignCommand({
          KeyId: keyId,
          Message: hexToBytes(hash),
          MessageType: "DIGEST",
          SigningAlgorithm: "ECDSA_SHA_256",
        }),
      )
      .catch((cause: unknown) => {
        throw new KmsSignerError(`KMS Sign with ${keyId} failed`, { retryable: true, cause });
      });
    if (!signed.Signature) throw new KmsResponseError(`KMS Sign with ${keyId} returned no signature`);
    return ethereumSignature(signed.Signature, hash, key);
  };

  const signDigest = async ({ hash }: { hash: Hex }) => serializeSignature(await signHash(hash));
  const account = toAccount({
    address,
    sign: signDigest,
    async signMessage({ message }) {
      return serializeSignature(await signHash(hashMessage(message)));
    },
    async signTypedData(typedData) {
      return serializeSignature(await signHash(hashTypedData(typedData)));
    },
    async signTransaction(transaction, { serializer = serializeTransaction } = {}) {
      // As viem's own signTransaction: blobs' sidecars are not part of what is signed.
      const signable = transaction.type === "eip4844" ? { ...transaction, sidecars: false as const } : transaction;
      const signature = await signHash(keccak256(await serializer(signable)));
      return await serializer(transaction, signature);
    },
  });
  return { ...account, sign: signDigest, source: "kms" };
}

/**
 * An Ethereum signature (low s, recovery bit) of KMS's DER signature over `hash` by `key`: one verification against
 * the key's precomputed point gives the recovery bit (see `recoveryBitOf`).
 *
 * @throws {KmsResponseError} when the signature is not over `hash` by the key.
 */
function ethereumSignature(der: Uint8Array, hash: Hex, key: PrecomputedPublicKey): Signature {
  const { r, s: rawS } = parseDerSignature(der);
  // (r, s) and (r, n - s) are both valid ECDSA; Ethereum (EIP-2) accepts only s <= n/2.
  const s = rawS > N / 2n ? N - rawS : rawS;
  const yParity = recoveryBitOf(hexToBytes(hash), r, s, key);
  if (yParity === undefined) throw new KmsResponseError("KMS signature does not recover to the key's address");
  return { r: numberToHex(r, { size: 32 }), s: numberToHex(s, { size: 32 }), yParity, v: BigInt(27 + yParity) };
}

function pointOf(publicKey: Hex): Uint8Array {
  const bytes = /^0x04[0-9a-fA-F]{128}$/.test(publicKey) ? hexToBytes(publicKey) : undefined;
  if (!bytes)
    throw new KmsSignerError("a KMS key's publicKey must be an uncompressed secp256k1 key (0x04…)", {
      retryable: false,
    });
  return bytes;
}
