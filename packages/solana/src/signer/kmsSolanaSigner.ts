import { readFileSync } from "node:fs";
import { GetPublicKeyCommand, type KMSClient, SignCommand } from "@aws-sdk/client-kms";
import { ed25519 } from "@noble/curves/ed25519";
import { type KeyReference, onceUntilFailure, SlabridgeError } from "@slabridge/core";
import { Keypair, PublicKey, type Transaction } from "@solana/web3.js";
import { OperatorKeyMismatchError } from "../errors/OperatorKeyMismatchError.ts";

/**
 * A Solana key that cannot sign here (a kind with no Solana key, a KMS key with no client), or a KMS key that is not
 * the manifest's or answered with no signature. No key material is ever part of the message.
 */
export class SolanaSignerError extends SlabridgeError {
  override readonly name = "SolanaSignerError" as const;
  constructor(message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, {
      retryable: options.retryable ?? false,
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
  }
}

/** An ed25519 key that signs a Solana message (a transaction's serialized message) without handing out its secret. */
export interface SolanaSigner {
  readonly publicKey: PublicKey;
  signMessage(message: Uint8Array): Promise<Uint8Array>;
}

// id-Ed25519 SubjectPublicKeyInfo (RFC 8410) as KMS's GetPublicKey returns it: a 12-byte header, then the 32-byte key.
const ED25519_SPKI_PREFIX = "302a300506032b6570032100";

/**
 * A {@link SolanaSigner} whose key stays in AWS KMS (an `ECC_NIST_EDWARDS25519` key; `ED25519_SHA_512` over the RAW
 * message, which is Solana's plain ed25519). The first signature checks once that the KMS key is the manifest's
 * `publicKey`, and each signature is verified before it is returned.
 *
 * Not `@solana/keychain-aws-kms`: it signs for `@solana/kit`'s transaction types, and this repo builds
 * `@solana/web3.js` 1.x transactions.
 *
 * @example const operator = kmsSolanaSigner({ kms, keyId: "alias/operator-0", publicKey: "7Xf…" });
 */
export function kmsSolanaSigner(options: { kms: KMSClient; keyId: string; publicKey: string }): SolanaSigner {
  const { kms, keyId } = options;
  let publicKey: PublicKey;
  try {
    publicKey = new PublicKey(options.publicKey);
  } catch {
    throw new SolanaSignerError(`the KMS key ${keyId}'s publicKey is not a base58 Solana key`);
  }
  // Checked once before the first signature; a failed check is tried again next time.
  const checkKey = onceUntilFailure(async () => {
    const got = await kms.send(new GetPublicKeyCommand({ KeyId: keyId })).catch((cause: unknown) => {
      throw new SolanaSignerError(`KMS GetPublicKey of ${keyId} failed`, { retryable: true, cause });
    });
    if (!ed25519KeyOfSpki(got.PublicKey, keyId).equals(publicKey)) {
      throw new SolanaSignerError(`KMS key ${keyId} is not the key of ${publicKey.toBase58()}`);
    }
  });
  return {
    publicKey,
    async signMessage(message) {
      await checkKey();
      const signed = await kms
        .send(
          new SignCommand({ KeyId: keyId, Message: message, MessageType: "RAW", SigningAlgorithm: "ED25519_SHA_512" }),
        )
        .catch((cause: unknown) => {
          throw new SolanaSignerError(`KMS Sign with ${keyId} failed`, { retryable: true, cause });
        });
      const signature = signed.Signature;
      // A bad signature would only surface as a refused transaction; catch it here, where the cause is known.
      if (signature?.length !== 64 || !ed25519.verify(signature, message, publicKey.toBytes())) {
        throw new SolanaSignerError(`KMS Sign with ${keyId} returned no valid Ed25519 signature`);
      }
      return signature;
    },
  };
}

/**
 * A {@link SolanaSigner} of a KMS key known only by its id or alias (an operator's `--solana-kms-key`): its public key
 * is read once with `GetPublicKey`, then it signs as {@link kmsSolanaSigner}.
 *
 * @throws {SolanaSignerError} when KMS does not answer or the key is not Ed25519.
 * @example const deployer = await kmsSolanaSignerOfKeyId({ kms, keyId: "alias/slabridge-solana-deployer" });
 */
export async function kmsSolanaSignerOfKeyId(options: { kms: KMSClient; keyId: string }): Promise<SolanaSigner> {
  const { kms, keyId } = options;
  const got = await kms.send(new GetPublicKeyCommand({ KeyId: keyId })).catch((cause: unknown) => {
    throw new SolanaSignerError(`KMS GetPublicKey of ${keyId} failed`, { retryable: true, cause });
  });
  return kmsSolanaSigner({ kms, keyId, publicKey: ed25519KeyOfSpki(got.PublicKey, keyId).toBase58() });
}

/** The Ed25519 key in a KMS `GetPublicKey` answer (SPKI DER), or a typed error naming the key id. */
function ed25519KeyOfSpki(spki: Uint8Array | undefined, keyId: string): PublicKey {
  const der = spki ?? new Uint8Array();
  const prefix = Buffer.from(der.subarray(0, ED25519_SPKI_PREFIX.length / 2)).toString("hex");
  const key = der.subarray(ED25519_SPKI_PREFIX.length / 2);
  if (prefix !== ED25519_SPKI_PREFIX || key.length !== 32) {
    throw new SolanaSignerError(`KMS key ${keyId} is not an Ed25519 key`);
  }
  return new PublicKey(key);
}

/** A {@link SolanaSigner} of a key held in this process (the devnet's key files). */
function keypairSigner(key: Keypair): SolanaSigner {
  return {
    publicKey: key.publicKey,
    signMessage: async (message) => ed25519.sign(message, key.secretKey.subarray(0, 32)),
  };
}

/**
 * The signer of a manifest key on Solana: a devnet key file (read and checked against its `publicKey`) or, with
 * `options.kms`, a KMS key. Other kinds hold no Solana key.
 *
 * @throws {SolanaSignerError} for a kind that cannot sign here or a KMS key without a client.
 * @throws {OperatorKeyMismatchError} when a key file holds another key than the manifest names.
 * @example const operator = solanaSignerOf(solana.operators[0], { kms });
 */
export function solanaSignerOf(ref: KeyReference, options: { kms?: KMSClient | undefined }): SolanaSigner {
  switch (ref.kind) {
    case "devnet-key-file": {
      const key = Keypair.fromSecretKey(Uint8Array.from(JSON.parse(readFileSync(ref.path, "utf8")) as number[]));
      if (key.publicKey.toBase58() !== ref.publicKey) throw new OperatorKeyMismatchError(ref.publicKey);
      return keypairSigner(key);
    }
    case "kms":
      if (!options.kms) throw new SolanaSignerError("a KMS key needs a KMS client, and none was given");
      return kmsSolanaSigner({ kms: options.kms, keyId: ref.keyId, publicKey: ref.publicKey });
    default:
      throw new SolanaSignerError(`${ref.kind} keys hold no Solana key`);
  }
}

/**
 * Adds each signer's signature to a transaction whose fee payer and recent blockhash are set (as
 * `Transaction.partialSign` does for in-process keys): the message is serialized once and signed by each.
 *
 * @example await signSolanaTransaction(tx, [feePayer, operator]); tx.serialize();
 */
export async function signSolanaTransaction(tx: Transaction, signers: readonly SolanaSigner[]): Promise<void> {
  const message = tx.serializeMessage();
  for (const signer of signers) tx.addSignature(signer.publicKey, Buffer.from(await signer.signMessage(message)));
}
