import { MalformedMemoError } from "../errors/MalformedMemoError.ts";
import { type PaymentMemo, parseSlabridgeMemo } from "../memo/slabridgeMemo.ts";
import type { DecodedVaultTransaction } from "./decodeVaultTransfers.ts";
import type { SolanaVaultOutflow } from "./vaultEvents.ts";

/**
 * Pairs each top-level transfer out of the vault with the memo instruction right after it, the layout
 * `buildMultisigTransfer` and `buildVaultTransferBatch` write (`transfer, memo, transfer, memo, ...`). Returns one
 * outflow per pair whose memo is a well-formed refund, payout or net memo, or, for a transfer from the vault to
 * itself, a credit memo (a parked refund: its destination is the vault) or a void memo (an epoch voided); returns `undefined` unless every transfer of
 * the transaction is such a pair (a transaction we did not write is not ours to read this way). Pure: no RPC.
 *
 * @example
 * ```ts
 * const decoded = decodeVaultTransfers(tx, vault, TOKEN_PROGRAM_ID);
 * const outflows = pairVaultOutflows(signature, tx.slot, tx.blockTime ?? null, decoded) ?? [];
 * ```
 */
export function pairVaultOutflows(
  signature: string,
  slot: number,
  blockTime: number | null,
  decoded: DecodedVaultTransaction,
): SolanaVaultOutflow[] | undefined {
  const all = [...decoded.transfers, ...decoded.selfTransfers].sort((a, b) => a.instructionIndex - b.instructionIndex);
  if (all.length === 0) return undefined;
  const parked = new Set(decoded.selfTransfers);
  const outflows: SolanaVaultOutflow[] = [];
  for (const transfer of all) {
    if (transfer.direction !== "out" || transfer.innerIndex !== undefined) return undefined;
    const at = decoded.memoInstructions.indexOf(transfer.instructionIndex + 1);
    const memoText = at < 0 ? undefined : decoded.memos[at];
    if (memoText === undefined) return undefined;
    let memo: ReturnType<typeof parseSlabridgeMemo>;
    try {
      memo = parseSlabridgeMemo(memoText);
    } catch (error) {
      if (error instanceof MalformedMemoError) return undefined;
      throw error;
    }
    if (
      memo.kind === "pay" ||
      memo.kind === "return" ||
      (memo.kind === "credit" || memo.kind === "void") !== parked.has(transfer)
    ) {
      return undefined;
    }
    outflows.push({
      signature,
      slot,
      blockTime,
      instructionIndex: transfer.instructionIndex,
      innerIndex: undefined,
      destination: transfer.destination.toBase58(),
      amount: transfer.amount,
      memo,
      memoText,
    });
  }
  return outflows;
}

/** One transfer into the vault and the pay memo written right after it. */
export interface PairedVaultPayment {
  transfer: DecodedVaultTransaction["transfers"][number];
  memo: PaymentMemo;
  memoText: string;
}

/**
 * Pairs each top-level transfer into the vault with the pay memo right after it (`transfer, memo, transfer, memo,
 * ...`), the layout of a batch of delegated pulls (`claimSolanaVouchers`: the vault multisig pulling several buyers'
 * epoch deltas in one transaction). Returns `undefined` unless every transfer is such an inflow and every slabridge
 * memo of the transaction is one of the pairs (a memo left over, or a transfer sharing another's memo, is ambiguous
 * and not ours to read this way). Pure: no RPC.
 *
 * @example
 * ```ts
 * const pairs = pairVaultPayments(decodeVaultTransfers(tx, vault, TOKEN_PROGRAM_ID));
 * for (const { transfer, memo } of pairs ?? []) book(transfer.sourceOwner, memo.modelId, transfer.amount);
 * ```
 */
export function pairVaultPayments(decoded: DecodedVaultTransaction): PairedVaultPayment[] | undefined {
  if (decoded.transfers.length === 0 || decoded.selfTransfers.length > 0) return undefined;
  const slabridgeMemos = decoded.memos.filter((m) => m?.startsWith("slabridge:")).length;
  if (slabridgeMemos !== decoded.transfers.length) return undefined;
  const pairs: PairedVaultPayment[] = [];
  for (const transfer of decoded.transfers) {
    if (transfer.direction !== "in" || transfer.innerIndex !== undefined) return undefined;
    const at = decoded.memoInstructions.indexOf(transfer.instructionIndex + 1);
    const memoText = at < 0 ? undefined : decoded.memos[at];
    if (memoText === undefined) return undefined;
    let memo: ReturnType<typeof parseSlabridgeMemo>;
    try {
      memo = parseSlabridgeMemo(memoText);
    } catch (error) {
      if (error instanceof MalformedMemoError) return undefined;
      throw error;
    }
    if (memo.kind !== "pay") return undefined;
    pairs.push({ transfer, memo, memoText });
  }
  return pairs;
}
