/**
 * Ports: the interfaces core needs from the outside world. Adapters implement them (DynamoDB store, viem and
 * web3.js chain adapters, LayerZero and Wormhole transports); core and the handlers depend only on these.
 */
import type { Hex } from "../hex/hex.ts";
import type { Job, JobStatus } from "../jobs/jobTypes.ts";
import type { MessageRef } from "./messageRef.ts";

export type { MessageRef } from "./messageRef.ts";

/** Time, injectable so tests and the local runtime can control it. */
export interface Clock {
  /** Unix milliseconds. */
  now(): number;
}

/** Outcome of creating a job: "exists" when the same deterministic id was already stored (a duplicate). */
export type CreateJobResult = "created" | "exists";

/** Jobs, moved one legal step at a time by single-item conditional writes. */
export interface JobStore {
  /** Stores a new job unless one with its id exists (conditional on the id being absent). */
  create(job: Job): Promise<CreateJobResult>;
  get(id: string): Promise<Job | undefined>;
  /**
   * Replaces the job with `next` if the stored one still has `expected.status` and `expected.version`
   * (then `next.version` must be `expected.version + 1` and the step legal). Returns false when another worker
   * moved it first: the caller re-reads and decides again.
   */
  transition(expected: Pick<Job, "id" | "status" | "version">, next: Job): Promise<boolean>;
  /** Jobs in a state, oldest update first (for retries, stuck-job sweeps and the status API). */
  listByStatus(status: JobStatus, options?: { limit?: number; updatedBefore?: number }): Promise<Job[]>;
}

/** A block a watcher processed, with the hash it had then (a point to rewind to on a reorg). */
export interface CursorCheckpoint {
  block: bigint;
  hash: string;
}

/** A watcher's position on one chain for one contract or emitter. */
export interface Cursor {
  /** e.g. "evm:31337:escrow:0xabc..." or "solana:vault:<address>". */
  id: string;
  /** Last block (EVM) or slot (Solana) fully processed. */
  block: bigint;
  /** Its hash, checked on the next run to detect a reorg behind the cursor. */
  blockHash: string;
  /**
   * EVM watchers: older processed blocks and their hashes, newest first, each below `block` (the store refuses any
   * other order). On a reorg behind `block` the watcher rewinds to the newest one still on the chain.
   */
  checkpoints?: CursorCheckpoint[];
  /** Solana: the last processed signature (the `until` of the next getSignaturesForAddress). */
  lastSignature?: string;
  version: number;
}

export interface CursorStore {
  get(id: string): Promise<Cursor | undefined>;
  /** Moves the cursor from `expectedVersion` (undefined = not stored yet) to `next`; false if someone else moved it. */
  advance(next: Cursor, expectedVersion: number | undefined): Promise<boolean>;
}

/** Nonces of one sender (chain + key), persisted so a restart neither reuses nor skips one. */
export interface NonceStore {
  /**
   * Reserves the next nonce: max(stored next, chain's pending nonce). The reservation is a conditional write, so two
   * workers never get the same nonce.
   */
  reserve(senderId: string, chainPendingNonce: number): Promise<number>;
  /** The next nonce the store would hand out (for diagnostics and gap checks). */
  peek(senderId: string): Promise<number | undefined>;
  /**
   * Gives `nonce` back after its transaction surely never reached the chain (the node refused it): a conditional
   * write that succeeds only while it is the last nonce handed out (stored next == nonce + 1), so the next
   * reservation reuses it instead of leaving a gap. False when a later nonce was handed out meanwhile: the sender
   * then fills the gap on chain instead.
   */
  release(senderId: string, nonce: number): Promise<boolean>;
}

/** A transport's view of a message in flight. */
export type DeliveryStatus =
  | "unknown"
  /** Sent on the source; waiting for confirmations / the VAA / the DVN. */
  | "in-flight"
  /** Verified and ready to execute on the destination. */
  | "deliverable"
  /** Executed on the destination. */
  | "delivered"
  /** The destination refused it (e.g. peer not allowed); retrying will not help. */
  | "failed";

/** Fee a message costs, in the source chain's native units. */
export interface Quote {
  nativeFee: bigint;
}

/**
 * One bridge behind the same port: quote -> (the source contract sends) -> status -> deliver. Sending is a call
 * on a slabridge contract (escrow, registry, oracle) that forwards to its messenger; the transport finds the message
 * it produced, reports its status and plays the relayer roles to deliver it.
 */
export interface Transport {
  readonly name: "layerzero" | "wormhole";
  quote(sourceChainId: number, destinationChainId: number, message: Hex): Promise<Quote>;
  /** The messages a source transaction emitted through this transport (usually one). */
  messagesIn(sourceChainId: number, sourceTransaction: string): Promise<MessageRef[]>;
  status(message: MessageRef, destinationChainId: number): Promise<DeliveryStatus>;
  /**
   * Does whatever is left to deliver the message (verify, commit, execute / fetch VAA, verify, redeem), checking the
   * destination's state before each step so nothing is done twice. `transactions` lists what this call sent (empty
   * when the destination already had it).
   */
  deliver(message: MessageRef, destinationChainId: number): Promise<{ transactions: string[]; status: DeliveryStatus }>;
}
