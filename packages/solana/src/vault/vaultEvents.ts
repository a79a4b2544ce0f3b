import type { Hex } from "@slabridge/core";
import type { OutflowMemo } from "../memo/slabridgeMemo.ts";

/** A buyer's finalized payment into the vault (one per transfer instruction). */
export interface SolanaPayment {
  signature: string;
  slot: number;
  /** Unix seconds of the block. */
  blockTime: number;
  /** Top-level instruction index of the transfer (or of the instruction whose CPI made it). */
  instructionIndex: number;
  /** Position among that instruction's inner instructions, for a transfer made by a program. */
  innerIndex: number | undefined;
  /** `solanaPaymentId(signature, { instructionIndex, innerIndex })`. */
  paymentId: Hex;
  /** Owner of the source token account (base58), from `preTokenBalances`: who gets a refund. */
  buyer: string;
  /** The token account the tokens came from (base58). */
  sourceTokenAccount: string;
  /** Raw token units. */
  amount: bigint;
  modelId: bigint;
  /** The buyer's payment reference from the memo (lowercase hex). */
  ref: string;
  /**
   * Epoch the payment counts in: `epochOf(modelId, blockTime)`, or its `voucherEpoch` when the watcher found that
   * epoch still open (its receipts not yet relayed).
   */
  epoch: bigint;
  /**
   * On a pull of per-call vouchers signed by the vault multisig: the epoch its pay memo names (the epoch the calls
   * were made in, at most the block time's epoch).
   */
  voucherEpoch?: bigint;
}

/** A finalized refund or payout out of the vault, identified by its memo. */
export interface SolanaVaultOutflow {
  signature: string;
  slot: number;
  blockTime: number | null;
  instructionIndex: number;
  innerIndex: number | undefined;
  /** Destination token account (base58). */
  destination: string;
  amount: bigint;
  memo: OutflowMemo;
  /** The memo exactly as written on chain (the idempotency key). */
  memoText: string;
}

/**
 * A transfer into the vault that cannot be matched to a payment (no slabridge memo, a malformed one, two models in one
 * transaction, an unknown model or an epoch before genesis): refundable in full to its sender, by the deposit returner.
 */
export interface UnmatchedDeposit {
  signature: string;
  slot: number;
  blockTime: number | null;
  /** `solanaPaymentId(signature, location)` of the transfer: the key its return memo carries. */
  depositId: Hex;
  /** The token account the tokens came from (base58). */
  sourceTokenAccount: string;
  /** Its owner when the deposit was made (base58), if the RPC reported it. */
  owner: string | undefined;
  amount: bigint;
  /** Why it was not a payment. */
  reason: SkipReason;
}

/** An unmatched deposit sent back out of the vault (`slabridge:v1:return:deposit=<depositId>`). */
export interface SolanaDepositReturn {
  signature: string;
  slot: number;
  depositId: Hex;
  /** Destination token account (base58). */
  destination: string;
  amount: bigint;
}

/** Why a vault transaction produced no payment or outflow. */
export type SkipReason =
  | "failed"
  | "no-vault-transfer"
  | "missing-memo"
  | "malformed-memo"
  | "ambiguous-memo"
  | "unexpected-memo-kind"
  | "wrong-mint"
  | "balance-mismatch"
  | "unknown-buyer"
  | "unknown-epoch"
  | "no-block-time";

/** A vault transaction the watcher looked at and did not turn into payments or outflows. */
export interface SkippedVaultTransaction {
  signature: string;
  slot: number;
  blockTime: number | null;
  reason: SkipReason;
  /** One line for humans (e.g. the memo parser's reason). */
  detail: string;
}

/** What one handler call receives: a run of vault transactions, oldest first, and what they contained. */
export interface VaultBatch {
  payments: SolanaPayment[];
  outflows: SolanaVaultOutflow[];
  skipped: SkippedVaultTransaction[];
  /** The inflows of skipped transactions that are refundable deposits (each also has its `skipped` entry). */
  unmatched: UnmatchedDeposit[];
  /** Unmatched deposits the vault sent back. */
  returns: SolanaDepositReturn[];
  /** Newest signature in the batch; the cursor moves here once the handler returns. */
  lastSignature: string;
  lastSlot: number;
}
