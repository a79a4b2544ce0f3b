import { PublicKey, TransactionInstruction } from "@solana/web3.js";

/** SPL Memo program v2 (the one wallets use). */
export const MEMO_PROGRAM_ID = new PublicKey("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr");
/** SPL Memo program v1, still recognised by the RPC memo index. */
export const MEMO_V1_PROGRAM_ID = new PublicKey("Memo1UhkJRfHyvLMcVucJwxXeuD728EqVDDwQDxFMNo");

/**
 * Builds a Memo v2 instruction; `signers` must sign the transaction (the program checks that).
 * Written here because `@solana/spl-memo` is not a dependency.
 *
 * @example tx.add(createMemoInstruction("slabridge:v1:model=1:payment=42"))
 */
export function createMemoInstruction(memo: string, signers: readonly PublicKey[] = []): TransactionInstruction {
  return new TransactionInstruction({
    programId: MEMO_PROGRAM_ID,
    keys: signers.map((pubkey) => ({ pubkey, isSigner: true, isWritable: false })),
    data: Buffer.from(memo, "utf8"),
  });
}
