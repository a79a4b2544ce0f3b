import type { Connection } from "@solana/web3.js";
import type { SendOptions, SolanaSender, SolanaTransactionSigner } from "../sender/SolanaSender.ts";
import type { SolanaVaultOutflow } from "../vault/vaultEvents.ts";
import { buildMultisigTransfer, type MultisigTransferParams } from "./buildMultisigTransfer.ts";
import { findVaultOutflow } from "./findVaultOutflow.ts";

/** Inputs of {@link sendVaultTransferOnce}. */
export interface SendVaultTransferOnceParams extends SendOptions {
  connection: Connection;
  sender: SolanaSender;
  transfer: MultisigTransferParams;
  /** The operator keys matching `transfer.signers`. */
  operators: readonly SolanaTransactionSigner[];
}

/** Either the outflow that was already on chain, or the signature of the transfer just made. */
export type SendVaultTransferOnceResult =
  | { status: "already-done"; outflow: SolanaVaultOutflow }
  | { status: "sent"; signature: string; slot: number };

/**
 * Check, then send: pays a refund or payout out of the vault unless a transfer with the same memo is already in
 * the vault's history. Safe to retry after a crash or a timeout once the earlier attempt's blockhash has expired
 * (the sender's `onSubmitted` signatures tell when); callers must not run two sends for one memo concurrently
 * (the job lock does that).
 *
 * @example
 * ```ts
 * const r = await sendVaultTransferOnce({ connection, sender, transfer, operators: [op1, op2] });
 * if (r.status === "already-done") log(`refunded earlier in ${r.outflow.signature}`);
 * ```
 */
export async function sendVaultTransferOnce(params: SendVaultTransferOnceParams): Promise<SendVaultTransferOnceResult> {
  const { connection, sender, transfer, operators } = params;
  const instructions = buildMultisigTransfer(transfer);
  const existing = await findVaultOutflow(connection, transfer.vault, transfer.memo, {
    ...(transfer.tokenProgramId === undefined ? {} : { tokenProgramId: transfer.tokenProgramId }),
  });
  if (existing !== undefined) return { status: "already-done", outflow: existing };
  const { signature, slot } = await sender.send(
    instructions,
    operators,
    params.onSubmitted === undefined ? {} : { onSubmitted: params.onSubmitted },
  );
  return { status: "sent", signature, slot };
}
