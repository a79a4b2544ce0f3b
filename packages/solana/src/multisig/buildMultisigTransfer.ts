import { createTransferCheckedInstruction, TOKEN_PROGRAM_ID } from "@solana/spl-token";
import { PublicKey, TransactionInstruction } from "@solana/web3.js";
import { MalformedMemoError } from "../errors/MalformedMemoError.ts";
import { parseSlabridgeMemo } from "../memo/slabridgeMemo.ts";

/**
 * SPL Memo v2: the program wallets and explorers read (v1 memos are still recognised when reading).
 *
 * @example new TransactionInstruction({ programId: MEMO_PROGRAM_ID, keys: [], data: Buffer.from(memo) })
 */
export const MEMO_PROGRAM_ID = new PublicKey("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr");

/** A refund or payout out of the vault, signed by M of the vault multisig's operators. */
export interface MultisigTransferParams {
  /** The vault token account (source). */
  vault: PublicKey;
  /** The recipient's token account. */
  destination: PublicKey;
  /** The SPL Token multisig account that owns the vault. */
  multisigAuthority: PublicKey;
  /** The M operator public keys that will sign (the multisig's threshold). */
  signers: readonly PublicKey[];
  /** Raw token units. */
  amount: bigint;
  /** A refund or payout memo (`formatSlabridgeMemo`): it is also the idempotency key of the transfer. */
  memo: string;
  mint: PublicKey;
  decimals: number;
  /** SPL Token by default. */
  tokenProgramId?: PublicKey;
}

/**
 * Builds the instructions of a multisig transfer out of the vault: a `TransferChecked` (mint and decimals checked
 * by the token program) authorised by the multisig with `signers` as its co-signers, then the memo. Refuses a
 * memo that is not a well-formed refund or payout memo (a void memo only on a transfer of 0 to the vault itself), so nothing leaves the vault without its idempotency key.
 *
 * @example
 * ```ts
 * const ixs = buildMultisigTransfer({ vault, destination: buyerAta, multisigAuthority, signers: [op1, op2],
 *   amount: 5_000_000n, memo: formatSlabridgeMemo({ kind: "refund", modelId, epoch, paymentId }), mint, decimals: 6 });
 * await sender.send(ixs, [op1Signer, op2Signer]);
 * ```
 */
export function buildMultisigTransfer(params: MultisigTransferParams): TransactionInstruction[] {
  const memo = parseSlabridgeMemo(params.memo);
  if (memo.kind === "pay") {
    throw new MalformedMemoError("wrong-kind", params.memo, "a vault outflow needs a refund or payout memo");
  }
  if (params.signers.length === 0) throw new RangeError("a multisig transfer needs at least one signer");
  if (memo.kind === "void") {
    // The void marker moves nothing: 0 from the vault to itself, so only the multisig can write it.
    if (params.amount !== 0n || !params.destination.equals(params.vault)) {
      throw new RangeError("a void memo goes on a transfer of 0 from the vault to itself");
    }
  } else if (params.amount <= 0n) throw new RangeError("amount must be positive");
  const transfer = createTransferCheckedInstruction(
    params.vault,
    params.mint,
    params.destination,
    params.multisigAuthority,
    params.amount,
    params.decimals,
    [...params.signers],
    params.tokenProgramId ?? TOKEN_PROGRAM_ID,
  );
  // No memo signers: the operators already sign the transfer, and an unsigned memo is accepted by the program.
  const memoIx = new TransactionInstruction({
    programId: MEMO_PROGRAM_ID,
    keys: [],
    data: Buffer.from(params.memo, "utf8"),
  });
  return [transfer, memoIx];
}
