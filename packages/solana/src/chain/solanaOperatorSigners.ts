import { readFileSync } from "node:fs";
import type { KMSClient } from "@aws-sdk/client-kms";
import type { SolanaChainManifest } from "@slabridge/core";
import { Keypair } from "@solana/web3.js";
import { OperatorKeyMismatchError } from "../errors/OperatorKeyMismatchError.ts";
import type { SolanaTransactionSigner } from "../sender/SolanaSender.ts";
import { kmsSolanaSigner } from "../signer/kmsSolanaSigner.ts";

/**
 * The vault multisig's co-signers this deployment can sign with: the first `threshold` operator keys of the
 * manifest, each a KMS key (`ECC_NIST_EDWARDS25519`, through `options.kms`) or, on the devnet opted out of KMS, a key
 * file (Solana CLI format, read here and checked against the manifest's public key). Undefined when one of them is
 * neither (another kind, or a KMS key with no client): the caller then builds no Solana settlement. Key files never
 * leave this function but as signers; KMS keys never leave KMS.
 *
 * @throws {OperatorKeyMismatchError} when a key file holds another key than the manifest names.
 * @example const operators = solanaOperatorSigners(solana, { kms }); // 2 KMS signers on the devnet
 */
export function solanaOperatorSigners(
  solana: SolanaChainManifest,
  options: { kms?: KMSClient | undefined } = {},
): SolanaTransactionSigner[] | undefined {
  const refs = solana.operators.slice(0, solana.threshold);
  if (refs.length < solana.threshold) return undefined;
  const signers: SolanaTransactionSigner[] = [];
  for (const ref of refs) {
    if (ref.kind === "kms" && options.kms) {
      signers.push(kmsSolanaSigner({ kms: options.kms, keyId: ref.keyId, publicKey: ref.publicKey }));
      continue;
    }
    if (ref.kind !== "devnet-key-file") return undefined;
    const key = Keypair.fromSecretKey(Uint8Array.from(JSON.parse(readFileSync(ref.path, "utf8")) as number[]));
    if (key.publicKey.toBase58() !== ref.publicKey) throw new OperatorKeyMismatchError(ref.publicKey);
    signers.push(key);
  }
  return signers;
}
