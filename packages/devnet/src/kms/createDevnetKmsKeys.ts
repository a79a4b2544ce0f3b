import { CreateAliasCommand, CreateKeyCommand, GetPublicKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import type { KeyReference } from "@slabridge/core";
import { type KmsEvmAccount, kmsEvmAccount, secp256k1PointOfSpki } from "@slabridge/evm";
import { PublicKey } from "@solana/web3.js";
import { bytesToHex } from "viem";
import { EvmDevnetError } from "../evm/EvmDevnetError.ts";

/** A manifest reference to a KMS key (what the handlers sign through). */
export type KmsKeyReference = Extract<KeyReference, { kind: "kms" }>;

/** One role's key in the local KMS: the manifest's reference and an account signing through the KMS API. */
export interface DevnetKmsKey {
  readonly ref: KmsKeyReference;
  readonly account: KmsEvmAccount;
}

// Dummy credentials, only ever sent to the devnet's KMS on loopback.
const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

/**
 * A `@aws-sdk/client-kms` client for the devnet's KMS stand-in (`startLocalKms`'s endpoint), as the handlers build
 * theirs: the stock client with an endpoint override.
 *
 * @example const kms = localKmsClient(localKms.endpoint);
 */
export function localKmsClient(endpoint: string): KMSClient {
  return new KMSClient({ region: "us-east-1", endpoint, credentials: LOCAL_CREDENTIALS });
}

/**
 * Creates one secp256k1 key per role in a KMS (the devnet's stand-in), as an operator creates them in AWS: `CreateKey`
 * (ECC_SECG_P256K1, SIGN_VERIFY), an alias `alias/slabridge-devnet-<role>` (the manifest names the key by it), and
 * `GetPublicKey` for the address. The private keys never leave the KMS.
 *
 * @example const keys = await createDevnetKmsKeys(kms, ["deployer", "layerzero-dvn"]); keys.get("deployer")?.account.address;
 */
export async function createDevnetKmsKeys(
  kms: KMSClient,
  roles: readonly string[],
): Promise<ReadonlyMap<string, DevnetKmsKey>> {
  const keys = await Promise.all(
    roles.map(async (role): Promise<[string, DevnetKmsKey]> => {
      const { alias, spki } = await createAliasedKey(kms, role, "ECC_SECG_P256K1");
      const publicKey = bytesToHex(secp256k1PointOfSpki(spki));
      const ref: KmsKeyReference = { kind: "kms", keyId: alias, publicKey };
      return [role, { ref, account: kmsEvmAccount({ kms, keyId: alias, publicKey }) }];
    }),
  );
  return new Map(keys);
}

// id-Ed25519 SubjectPublicKeyInfo (RFC 8410) as GetPublicKey returns it: a 12-byte header, then the 32-byte key.
const ED25519_SPKI_HEADER_BYTES = 12;

/**
 * Creates one Ed25519 key per role in a KMS (the devnet's stand-in), as an operator creates the Solana vault's
 * operator keys in AWS: `CreateKey` (ECC_NIST_EDWARDS25519, SIGN_VERIFY), an alias `alias/slabridge-devnet-<role>`,
 * and `GetPublicKey` for the Solana address (base58), which the manifest names. The private keys never leave the KMS.
 *
 * @example const [op0] = await createDevnetKmsSolanaKeys(kms, ["solana-operator-0"]); op0.ref.publicKey; // "7Xf…"
 */
export async function createDevnetKmsSolanaKeys(
  kms: KMSClient,
  roles: readonly string[],
): Promise<{ ref: KmsKeyReference; publicKey: PublicKey }[]> {
  return Promise.all(
    roles.map(async (role) => {
      const { alias, spki } = await createAliasedKey(kms, role, "ECC_NIST_EDWARDS25519");
      const raw = spki.subarray(ED25519_SPKI_HEADER_BYTES);
      if (raw.length !== 32) throw new EvmDevnetError("deploy-failed", `the local KMS has no Ed25519 key for ${role}`);
      const publicKey = new PublicKey(raw);
      return { ref: { kind: "kms", keyId: alias, publicKey: publicKey.toBase58() }, publicKey };
    }),
  );
}

/**
 * One signing key of `spec` in the KMS, as an operator makes it: `CreateKey` (SIGN_VERIFY), the alias
 * `alias/slabridge-devnet-<role>` (what the manifest names), and its public key (`GetPublicKey`, SPKI DER).
 */
async function createAliasedKey(
  kms: KMSClient,
  role: string,
  spec: "ECC_SECG_P256K1" | "ECC_NIST_EDWARDS25519",
): Promise<{ alias: string; spki: Uint8Array }> {
  const created = await kms.send(
    new CreateKeyCommand({ KeySpec: spec, KeyUsage: "SIGN_VERIFY", Description: `slabridge devnet ${role}` }),
  );
  const keyId = created.KeyMetadata?.KeyId;
  if (keyId === undefined) throw new EvmDevnetError("deploy-failed", `the local KMS created no key for ${role}`);
  const alias = `alias/slabridge-devnet-${role}`;
  await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: keyId }));
  const got = await kms.send(new GetPublicKeyCommand({ KeyId: alias }));
  if (!got.PublicKey) throw new EvmDevnetError("deploy-failed", `the local KMS has no public key for ${role}`);
  return { alias, spki: got.PublicKey };
}
