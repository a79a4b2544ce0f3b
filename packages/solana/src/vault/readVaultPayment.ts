import type { Hex } from "@slabridge/core";
import { TOKEN_PROGRAM_ID } from "@solana/spl-token";
import type { Connection, Finality, PublicKey } from "@solana/web3.js";
import { SolanaRpcError } from "../errors/SolanaRpcError.ts";
import { solanaPaymentId } from "../memo/solanaPaymentId.ts";
import { decodeVaultTransfers } from "./decodeVaultTransfers.ts";

/** A payment into the vault as its transaction shows it. */
export interface VaultPaymentOnChain {
  /** The token account the tokens came from (base58): where a refund goes back to. */
  sourceTokenAccount: string;
  /** Owner of that account when the payment was made (base58), per the transaction's token balances. */
  owner: string | undefined;
  amount: bigint;
}

/**
 * Reads one payment back from its transaction: the transfer into the vault whose `solanaPaymentId` is `paymentId`.
 * Returns `undefined` when the transaction is missing, failed or has no such transfer. Refunds are built from this,
 * not from stored copies, so a refund goes back to the account the money came from, for the amount that came.
 *
 * @example
 * ```ts
 * const paid = await readVaultPayment(connection, vault, record.transaction, record.paymentId);
 * if (paid?.amount !== record.amount) throw mismatch;
 * ```
 */
export async function readVaultPayment(
  connection: Connection,
  vault: PublicKey,
  signature: string,
  paymentId: Hex,
  options: { commitment?: Finality; tokenProgramId?: PublicKey } = {},
): Promise<VaultPaymentOnChain | undefined> {
  let tx: Awaited<ReturnType<typeof connection.getTransaction>>;
  try {
    tx = await connection.getTransaction(signature, {
      maxSupportedTransactionVersion: 0,
      commitment: options.commitment ?? "confirmed",
    });
  } catch (e) {
    throw new SolanaRpcError("getTransaction", e);
  }
  if (tx === null || tx.meta?.err) return undefined;
  const { transfers } = decodeVaultTransfers(tx, vault, options.tokenProgramId ?? TOKEN_PROGRAM_ID);
  const wanted = paymentId.toLowerCase();
  const transfer = transfers.find((t) => t.direction === "in" && solanaPaymentId(signature, t) === wanted);
  if (transfer === undefined) return undefined;
  return { sourceTokenAccount: transfer.source.toBase58(), owner: transfer.sourceOwner, amount: transfer.amount };
}
