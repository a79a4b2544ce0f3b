import type { Hex } from "../hex/hex.ts";
import type { MessageRef } from "../ports/messageRef.ts";

/**
 * A job's lifecycle. Every job moves one legal step at a time (see `jobTransitions.ts`), each step a single
 * conditional write in the store, so two workers can never both take the same step:
 *
 *   observed -> finalized -> submitted -> confirmed
 *       \           \            \
 *        `-----------`------------`--> failed -> (retry) finalized | dead-lettered -> (operator) finalized
 */
export type JobStatus = "observed" | "finalized" | "submitted" | "confirmed" | "failed" | "dead-lettered";

/** What a job does. Each kind has one deterministic id scheme (see `jobIds.ts`). */
export type JobKind =
  /** Relay one (model, epoch)'s receipts from a payment chain to the home chain. */
  | "relay-receipts"
  /** Deliver one cross-chain message (identified by its LayerZero GUID or Wormhole VAA id) to its destination. */
  | "deliver-message"
  /** Push refunds of one (model, epoch) on one payment chain until every payment is refunded. */
  | "refund"
  /** Release one (model, epoch) on one payment chain and publish its payouts. */
  | "settle";

/** Transport a route uses; both carry the same message bytes. */
export type TransportName = "layerzero" | "wormhole";

/** Where a job's work came from on its source chain: enough to find it again and to detect a reorg. */
export interface JobSource {
  /** slabridge chain id (EVM chain id, or SOLANA_CHAIN_ID). */
  chainId: number;
  /** Transaction hash (EVM) or signature (Solana) that produced the work. */
  transaction: string;
  /** Block number (EVM) or slot (Solana). */
  block: bigint;
  /** Block hash (EVM) or blockhash (Solana) seen when observed; a different hash later means a reorg. */
  blockHash: string;
  /** Log index (EVM) or instruction index (Solana) within the transaction. */
  index: number;
}

/** Fields every job record has, whatever its state. */
export interface JobBase {
  /** Deterministic id: the same work observed twice yields the same id, so the store keeps one job. */
  id: string;
  kind: JobKind;
  /** Optimistic-concurrency version: every transition writes `version + 1` on the condition `version = v`. */
  version: number;
  source: JobSource;
  destinationChainId: number;
  transport: TransportName;
  /** The slabridge message bytes (MessageCodec v1) the job carries, or the call data it needs. */
  payload: Hex;
  /** deliver-message jobs: the message in flight, as its transport identifies it. */
  messageRef?: MessageRef;
  /** relay-receipts / refund / settle jobs: the (model, epoch) they work on. */
  epochRef?: { modelId: bigint; epoch: bigint };
  /** Attempts made so far (persisted, so a restart does not reset the backoff). */
  attempts: number;
  createdAt: number;
  updatedAt: number;
}

export interface ObservedJob extends JobBase {
  status: "observed";
}

export interface FinalizedJob extends JobBase {
  status: "finalized";
  /** Confirmations the source had when the job was finalized. */
  confirmations: number;
  /** When the next attempt may start (unix ms); set after a retryable failure. */
  notBefore?: number;
}

/**
 * A settle job's claim on publishing its epoch's payouts: one worker at a time publishes them. Taken by the single
 * conditional write finalized -> submitted, before anything is published; it holds for the settle worker's claim
 * window from `claimedAt`, after which the holder is taken for dead and the payouts are checked again.
 */
export interface PayoutClaim {
  /** When the claim was taken (unix ms). */
  claimedAt: number;
  /** The release transaction the claiming run sent just before it claimed, if it sent one. */
  release?: string;
}

/**
 * Submitted: either a destination transaction was sent (`destinationTransaction`), or a settle job claimed its
 * payouts (`payoutClaim`), never both and never neither (see `jobRecordIssue`, which the store applies on every
 * write and read).
 */
export interface SubmittedJob extends JobBase {
  status: "submitted";
  confirmations: number;
  /** Destination transaction hash/signature of the submit, recorded right after sending; absent on a payout claim. */
  destinationTransaction?: string;
  /** EVM: the nonce used, so a stuck transaction is replaced at the same nonce, never duplicated. */
  nonce?: number;
  /** settle jobs only: the claim on publishing the epoch's payouts (absent on a sent transaction). */
  payoutClaim?: PayoutClaim;
  submittedAt: number;
}

export interface ConfirmedJob extends JobBase {
  status: "confirmed";
  /** The last destination transaction this bot sent; absent when the destination already had the effect. */
  destinationTransaction?: string;
  /** True when the destination already had the effect before we submitted (someone else delivered it). */
  alreadyDone: boolean;
  confirmedAt: number;
}

export interface FailedJob extends JobBase {
  status: "failed";
  reason: string;
  /** Whether retrying may help; a non-retryable failure dead-letters at once. */
  retryable: boolean;
  /** Earliest time of the next attempt (unix ms). */
  nextAttemptAt: number;
}

export interface DeadLetteredJob extends JobBase {
  status: "dead-lettered";
  reason: string;
  deadLetteredAt: number;
}

/** A job in any state: narrow on `status`. */
export type Job = ObservedJob | FinalizedJob | SubmittedJob | ConfirmedJob | FailedJob | DeadLetteredJob;
