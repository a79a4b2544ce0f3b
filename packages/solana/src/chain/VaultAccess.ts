import type { SendLeaseStore } from "@slabridge/core";
import type { Connection, PublicKey } from "@solana/web3.js";
import type { SolanaSender, SolanaTransactionSigner } from "../sender/SolanaSender.ts";

/**
 * What every sender out of the vault needs: the cluster, the multisig's operators and fee payer, the vault and its
 * mint, and the (model, epoch) send lease they all share. The settlement target and the netting vault take these.
 *
 * @example const access: VaultAccess = { chainId, connection, sender, feePayer, operators, vault, multisig, mint, decimals: 6, leases };
 */
export interface VaultAccess {
  /** The slabridge chain id the payouts must name (SOLANA_CHAIN_ID on the devnet). */
  chainId: number;
  connection: Connection;
  /** Sends as the fee payer (`feePayer`); the operators co-sign each transaction. */
  sender: Pick<SolanaSender, "send">;
  feePayer: PublicKey;
  /** `threshold` of the vault multisig's operator keys. */
  operators: readonly SolanaTransactionSigner[];
  vault: PublicKey;
  multisig: PublicKey;
  mint: PublicKey;
  decimals: number;
  /** Holds the (model, epoch) send lease shared by every sender out of the vault. */
  leases: SendLeaseStore;
}
