import type { PublicKey, VersionedTransactionResponse } from "@solana/web3.js";
import { MalformedMemoError } from "../errors/MalformedMemoError.ts";
import { parseSlabridgeMemo, type SlabridgeMemo } from "../memo/slabridgeMemo.ts";
import { solanaPaymentId } from "../memo/solanaPaymentId.ts";
import { decodeVaultTransfers } from "./decodeVaultTransfers.ts";
import { type PairedVaultPayment, pairVaultOutflows, pairVaultPayments } from "./pairVaultOutflows.ts";
import type {
  SkippedVaultTransaction,
  SkipReason,
  SolanaDepositReturn,
  SolanaPayment,
  SolanaVaultOutflow,
  UnmatchedDeposit,
} from "./vaultEvents.ts";

/** The vault, its stablecoin and how epochs are assigned. */
export interface VaultContext {
  vault: PublicKey;
  mint: PublicKey;
  tokenProgramId: PublicKey;
  epochOf(modelId: bigint, blockTime: number): bigint | undefined;
  /**
   * The vault's multisig authority: a pull it signed as a buyer's delegate may name the epoch its vouchers belong to
   * (`voucherEpoch`). Absent: no payment carries one.
   */
  multisigAuthority?: PublicKey | undefined;
}

/** Payments, outflows, returns of unmatched deposits, or the reason there are none (with the refundable deposits). */
export type VaultTransactionOutcome =
  | { kind: "payments"; payments: SolanaPayment[] }
  | { kind: "outflows"; outflows: SolanaVaultOutflow[] }
  | { kind: "returns"; returns: SolanaDepositReturn[] }
  | { kind: "skipped"; skipped: SkippedVaultTransaction; unmatched: UnmatchedDeposit[] };

/**
 * Judges one successful vault transaction: its transfers must all go one way, use the stablecoin, match the
 * vault's balance delta and carry exactly one slabridge memo of the matching kind (pay for inflows, refund/payout
 * for outflows), or be a batch of outflows each followed by its own refund/payout memo. Anything else is skipped
 * with a reason, never thrown.
 *
 * @example
 * ```ts
 * const outcome = classifyVaultTransaction(signature, tx, { vault, mint, tokenProgramId, epochOf });
 * if (outcome.kind === "payments") await record(outcome.payments);
 * ```
 */
export function classifyVaultTransaction(
  signature: string,
  tx: VersionedTransactionResponse,
  ctx: VaultContext,
): VaultTransactionOutcome {
  const skip = (reason: SkipReason, detail: string, unmatched: UnmatchedDeposit[] = []): VaultTransactionOutcome => ({
    kind: "skipped",
    skipped: { signature, slot: tx.slot, blockTime: tx.blockTime ?? null, reason, detail },
    unmatched,
  });
  if (tx.meta?.err) return skip("failed", `transaction failed: ${JSON.stringify(tx.meta.err)}`);

  const decoded = decodeVaultTransfers(tx, ctx.vault, ctx.tokenProgramId);
  const { transfers, selfTransfers } = decoded;
  if (transfers.length === 0 && selfTransfers.length === 0) {
    return skip("no-vault-transfer", "no SPL Token transfer into or out of the vault");
  }
  const mint = ctx.mint.toBase58();
  if (decoded.vaultMint !== mint) return skip("wrong-mint", `vault holds ${decoded.vaultMint}, expected ${mint}`);
  const foreign = [...transfers, ...selfTransfers].find((t) => t.mint !== undefined && !t.mint.equals(ctx.mint));
  if (foreign) return skip("wrong-mint", `transfer names mint ${foreign.mint?.toBase58()}`);
  // The decoded amounts must explain the balance change exactly; otherwise we misread the transaction.
  const net = transfers.reduce((sum, t) => (t.direction === "in" ? sum + t.amount : sum - t.amount), 0n);
  if (decoded.vaultDelta !== net) {
    return skip("balance-mismatch", `vault delta ${decoded.vaultDelta} but decoded transfers net ${net}`);
  }

  // Tokens that came in and match no payment go back to their sender: every transfer must be an inflow (a
  // transaction that also moves tokens out is not a buyer's deposit to read this way).
  const refundable = (reason: SkipReason, detail: string): VaultTransactionOutcome => {
    const inflowsOnly = selfTransfers.length === 0 && transfers.every((t) => t.direction === "in");
    const deposits = inflowsOnly
      ? transfers.map(
          (t): UnmatchedDeposit => ({
            signature,
            slot: tx.slot,
            blockTime: tx.blockTime ?? null,
            depositId: solanaPaymentId(signature, t),
            sourceTokenAccount: t.source.toBase58(),
            owner: t.sourceOwner,
            amount: t.amount,
            reason,
          }),
        )
      : [];
    return skip(reason, detail, deposits);
  };

  if (selfTransfers.length > 0) {
    // Only the settlement moves the vault to itself, to park refunds as credits, each with its credit memo.
    const paired = pairVaultOutflows(signature, tx.slot, tx.blockTime ?? null, decoded);
    if (paired) return { kind: "outflows", outflows: paired };
    return skip("unexpected-memo-kind", "a transfer from the vault to itself without its credit memo");
  }

  const texts = [...new Set(decoded.memos.filter((m) => m?.startsWith("slabridge:")))];
  if (texts.length === 0) {
    return refundable("missing-memo", decoded.memos.length > 0 ? "only non-slabridge memos" : "no memo");
  }
  if (texts.length > 1) {
    // A batch of refunds or payouts: each transfer out is followed by its own memo.
    const paired = pairVaultOutflows(signature, tx.slot, tx.blockTime ?? null, decoded);
    if (paired) return { kind: "outflows", outflows: paired };
    // A batch of delegated pulls (the vault multisig claiming buyers' vouchers): each transfer in has its own memo.
    const pulls = pairVaultPayments(decoded);
    if (pulls) return paymentsOf(pulls);
    return refundable("ambiguous-memo", `${texts.length} different slabridge memos`);
  }
  const memoText = texts[0] as string;
  let memo: SlabridgeMemo;
  try {
    memo = parseSlabridgeMemo(memoText);
  } catch (e) {
    if (e instanceof MalformedMemoError) {
      return refundable("malformed-memo", `${e.reason}: ${e.details ?? e.shortMessage}`);
    }
    throw e;
  }

  if (memo.kind === "credit" || memo.kind === "void") {
    return refundable("unexpected-memo-kind", `a ${memo.kind} memo on a transfer that moves tokens`);
  }
  const direction = memo.kind === "pay" ? "in" : "out";
  const wrongWay = transfers.find((t) => t.direction !== direction);
  if (wrongWay) {
    return refundable("unexpected-memo-kind", `a ${memo.kind} memo on a transfer ${wrongWay.direction} the vault`);
  }

  if (memo.kind === "return") {
    return {
      kind: "returns",
      returns: transfers.map((t) => ({
        signature,
        slot: tx.slot,
        depositId: memo.depositId,
        destination: t.destination.toBase58(),
        amount: t.amount,
      })),
    };
  }

  if (memo.kind !== "pay") {
    return {
      kind: "outflows",
      outflows: transfers.map((t) => ({
        signature,
        slot: tx.slot,
        blockTime: tx.blockTime ?? null,
        instructionIndex: t.instructionIndex,
        innerIndex: t.innerIndex,
        destination: t.destination.toBase58(),
        amount: t.amount,
        memo,
        memoText,
      })),
    };
  }

  const payMemo = memo;
  return paymentsOf(transfers.map((transfer) => ({ transfer, memo: payMemo, memoText })));

  /** One payment per transfer, each under its own memo; the buyer is the source account's owner, never the signer. */
  function paymentsOf(pairs: readonly PairedVaultPayment[]): VaultTransactionOutcome {
    const blockTime = tx.blockTime;
    if (blockTime === null || blockTime === undefined) return skip("no-block-time", "the RPC reported no block time");
    const payments: SolanaPayment[] = [];
    for (const { transfer: t, memo: m } of pairs) {
      const epoch = ctx.epochOf(m.modelId, blockTime);
      if (epoch === undefined) return refundable("unknown-epoch", `no epoch for model ${m.modelId} at ${blockTime}`);
      if (t.sourceOwner === undefined) return refundable("unknown-buyer", `no owner for ${t.source.toBase58()}`);
      // Only the multisig may book into an earlier epoch: a buyer could otherwise write a past epoch on its own
      // transfer and slip a payment into an epoch whose verdict is already known. Never a later epoch than now.
      const signedByVault = ctx.multisigAuthority !== undefined && t.authority.equals(ctx.multisigAuthority);
      const voucherEpoch = signedByVault && m.epoch !== undefined && m.epoch <= epoch ? m.epoch : undefined;
      payments.push({
        signature,
        slot: tx.slot,
        blockTime,
        instructionIndex: t.instructionIndex,
        innerIndex: t.innerIndex,
        paymentId: solanaPaymentId(signature, t),
        buyer: t.sourceOwner,
        sourceTokenAccount: t.source.toBase58(),
        amount: t.amount,
        modelId: m.modelId,
        ref: m.ref,
        epoch,
        ...(voucherEpoch === undefined ? {} : { voucherEpoch }),
      });
    }
    return { kind: "payments", payments };
  }
}
