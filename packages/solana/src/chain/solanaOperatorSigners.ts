import { readFileSync } from "node:fs";
import { SlabridgeError, type SolanaChainManifest } from "@slabridge/core";
import { Keypair } from "@solana/web3.js";

/** An operator key file holds another key than the manifest names. Never retryable: the deployment is misconfigured. */
export class OperatorKeyMismatchError extends SlabridgeError {
  override readonly name = "OperatorKeyMismatchError" as const;
  constructor(publicKey: string) {
    super(`operator key file does not hold ${publicKey}`, { retryable: false });
  }
}

/**
 * The vault multisig's co-signers this deployment can sign with: the first `threshold` operator keys of the
 * manifest, read from the devnet's key files (Solana CLI format). Undefined when the operators are not key files
 * (a KMS operator has a signer, `solanaSignerOf`, but the vault's sender signs with in-process keys only): the
 * caller then builds no Solana settlement. Keys never leave this function but as
 * signers.
 *
 * @example const operators = solanaOperatorSigners(solana); // [Keypair, Keypair] on the devnet
 */
export function solanaOperatorSigners(solana: SolanaChainManifest): Keypair[] | undefined {
  const refs = solana.operators.slice(0, solana.threshold);
  if (refs.length < solana.threshold) return undefined;
  const keys: Keypair[] = [];
  for (const ref of refs) {
    if (ref.kind !== "devnet-key-file") return undefined;
    const key = Keypair.fromSecretKey(Uint8Array.from(JSON.parse(readFileSync(ref.path, "utf8")) as number[]));
    if (key.publicKey.toBase58() !== ref.publicKey) throw new OperatorKeyMismatchError(ref.publicKey);
    keys.push(key);
  }
  return keys;
}
