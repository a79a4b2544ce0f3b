import type { KMSClient } from "@aws-sdk/client-kms";
import type { KeyReference } from "@slabridge/core";
import type { Address, Hex, LocalAccount } from "viem";
import { EvmConfigError } from "../errors.ts";
import { kmsEvmAccount } from "./kmsEvmAccount.ts";

/** What signs for a role: a local account (KMS), or the address of an account the node holds unlocked (anvil). */
export type EvmSigner = LocalAccount | Address;

/**
 * The signer of a manifest key on an EVM chain: an anvil dev account's address (the node signs, see
 * `nodeAccountSigner`), or a KMS-backed account with `options.kms`. Other kinds sign no EVM transactions.
 *
 * @throws {EvmConfigError} for a kind that cannot sign here, or a KMS key without a KMS client.
 * @example const dvn = evmSignerOf(manifest.keys.layerZeroDvn, "layerZeroDvn", { kms }); // LocalAccount or 0x…
 */
export function evmSignerOf(ref: KeyReference, role: string, options: { kms?: KMSClient | undefined }): EvmSigner {
  switch (ref.kind) {
    case "anvil-dev-account":
      // As the manifest spells it: callers compare and print it as they always have.
      return ref.address;
    case "kms":
      if (!options.kms) throw new EvmConfigError(`${role}: a KMS key needs a KMS client, and none was given`);
      return kmsEvmAccount({ kms: options.kms, keyId: ref.keyId, publicKey: ref.publicKey as Hex });
    default:
      throw new EvmConfigError(`${role}: ${ref.kind} keys do not sign EVM transactions`);
  }
}

/** The address an {@link EvmSigner} signs for. */
export function evmSignerAddress(signer: EvmSigner): Address {
  return typeof signer === "string" ? signer : signer.address;
}
