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
  /** Epoch the payment counts in, from `epochOf(modelId, blockTime)`. */
  epoch: bigint;
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
  /** Newest signature in the batch; the cursor moves here once the handler returns. */
  lastSignature: string;
  lastSlot: number;
}
