import {
  type BlockhashWithExpiryBlockHeight,
  ComputeBudgetProgram,
  type Connection,
  type Finality,
  MessageV0,
  SendTransactionError,
  type Signer,
  type TransactionInstruction,
  VersionedTransaction,
} from "@solana/web3.js";
import { base58 } from "../base58.ts";
import { ConfirmationTimeoutError } from "../errors/ConfirmationTimeoutError.ts";
import { SolanaRpcError } from "../errors/SolanaRpcError.ts";
import { TransactionFailedError } from "../errors/TransactionFailedError.ts";
import type { SolanaSigner } from "../signer/kmsSolanaSigner.ts";

/** Priority fee policy: start at `microLamports` per CU, multiply by `bumpFactor` per rebuild, never above `max`. */
export interface PriorityFeePolicy {
  microLamports: number;
  bumpFactor: number;
  max: number;
}

/**
 * A key that signs a transaction: an in-process key (web3.js `Signer`, the devnet's key files and tests) or a
 * {@link SolanaSigner} whose key stays elsewhere (KMS), asked for each signature.
 */
export type SolanaTransactionSigner = Signer | SolanaSigner;

/** Options of {@link SolanaSender}. */
export interface SolanaSenderOptions {
  connection: Connection;
  /** Fee payer; signs every transaction. */
  payer: SolanaTransactionSigner;
  priorityFee: PriorityFeePolicy;
  /** Total time budget of one `send`, across rebuilds. */
  confirmTimeoutMs: number;
  /** How often statuses and the block height are polled. Default 400 ms. */
  pollIntervalMs?: number;
  /** Commitment a transaction must reach. Default "confirmed". */
  commitment?: Finality;
  /** Optional compute-unit limit instruction (the default limit applies when omitted). */
  computeUnitLimit?: number;
}

/** Per-call hooks of `send`. */
export interface SendOptions {
  /**
   * Called with each signature after signing and before it is broadcast or waited on: persist it, so a crash
   * mid-send leaves a signature to check instead of a reason to pay again. `expiry.lastValidBlockHeight` is the last
   * block height at which this transaction can land: until the finalized height passes it, never send its
   * transfers again.
   */
  onSubmitted?: (signature: string, attempt: number, expiry: { lastValidBlockHeight: number }) => void | Promise<void>;
}

/** A landed, successful transaction. */
export interface SendResult {
  signature: string;
  slot: number;
  /** 1 + the number of rebuilds after an expired blockhash. */
  attempts: number;
  /** Priority fee (micro-lamports per CU) of the transaction that landed. */
  priorityFeeMicroLamports: number;
}

type Outcome = { kind: "landed"; signature: string; slot: number } | { kind: "expired" };

const RANK: Record<string, number> = { processed: 0, confirmed: 1, finalized: 2 };

/**
 * Sends instructions as a v0 transaction with a priority fee and waits for them by polling
 * `getSignatureStatuses` (no websocket). When the blockhash expires, it first asks whether any signature it
 * submitted landed (then returns that one: a transfer is never sent twice) and only then rebuilds with a fresh
 * blockhash and a bumped fee. Errors: `TransactionFailedError` (program error, not retryable),
 * `SolanaRpcError` (retryable), `ConfirmationTimeoutError` (retryable; carries the signatures to check first).
 *
 * @example
 * ```ts
 * const sender = new SolanaSender({ connection, payer, priorityFee: { microLamports: 1_000, bumpFactor: 2,
 *   max: 100_000 }, confirmTimeoutMs: 90_000 });
 * const { signature } = await sender.send(ixs, [operatorA, operatorB], { onSubmitted: (s) => job.save(s) });
 * ```
 */
export class SolanaSender {
  private readonly connection: Connection;
  private readonly payer: SolanaTransactionSigner;
  private readonly fee: PriorityFeePolicy;
  private readonly timeoutMs: number;
  private readonly pollMs: number;
  private readonly commitment: Finality;
  private readonly cuLimit: number | undefined;

  constructor(options: SolanaSenderOptions) {
    this.connection = options.connection;
    this.payer = options.payer;
    this.fee = options.priorityFee;
    this.timeoutMs = options.confirmTimeoutMs;
    this.pollMs = options.pollIntervalMs ?? 400;
    this.commitment = options.commitment ?? "confirmed";
    this.cuLimit = options.computeUnitLimit;
    if (!(this.fee.bumpFactor >= 1)) throw new RangeError("priorityFee.bumpFactor must be >= 1");
  }

  /**
   * Signs with the payer and `signers` (in-process keys, or keys such as KMS's asked for each signature), sends, and
   * resolves once the transaction reached the commitment.
   */
  async send(
    instructions: readonly TransactionInstruction[],
    signers: readonly SolanaTransactionSigner[] = [],
    options: SendOptions = {},
  ): Promise<SendResult> {
    const deadline = Date.now() + this.timeoutMs;
    const submitted: string[] = [];
    let fee = Math.min(this.fee.microLamports, this.fee.max);
    for (let attempt = 1; ; attempt++) {
      const blockhash = await this.rpc("getLatestBlockhash", () => this.connection.getLatestBlockhash(this.commitment));
      const tx = await this.build(instructions, signers, blockhash.blockhash, fee);
      const signature = base58.encode(tx.signatures[0] ?? new Uint8Array(64));
      submitted.push(signature);
      await options.onSubmitted?.(signature, attempt, { lastValidBlockHeight: blockhash.lastValidBlockHeight });
      await this.broadcast(tx);
      const outcome = await this.waitFor(submitted, blockhash, deadline);
      if (outcome.kind === "landed") {
        const landedAttempt = submitted.indexOf(outcome.signature) + 1;
        return {
          signature: outcome.signature,
          slot: outcome.slot,
          attempts: attempt,
          priorityFeeMicroLamports: this.feeOfAttempt(landedAttempt),
        };
      }
      fee = Math.min(this.fee.max, Math.ceil(fee * this.fee.bumpFactor));
    }
  }

  private feeOfAttempt(attempt: number): number {
    let fee = Math.min(this.fee.microLamports, this.fee.max);
    for (let i = 1; i < attempt; i++) fee = Math.min(this.fee.max, Math.ceil(fee * this.fee.bumpFactor));
    return fee;
  }

  private async build(
    instructions: readonly TransactionInstruction[],
    signers: readonly SolanaTransactionSigner[],
    recentBlockhash: string,
    microLamports: number,
  ): Promise<VersionedTransaction> {
    const budget = [ComputeBudgetProgram.setComputeUnitPrice({ microLamports })];
    if (this.cuLimit !== undefined) budget.push(ComputeBudgetProgram.setComputeUnitLimit({ units: this.cuLimit }));
    const message = MessageV0.compile({
      payerKey: this.payer.publicKey,
      recentBlockhash,
      instructions: [...budget, ...instructions],
    });
    const tx = new VersionedTransaction(message);
    // The payer may also be one of the signers (e.g. an operator paying its own fees): sign once per key.
    const unique = new Map<string, SolanaTransactionSigner>();
    for (const s of [this.payer, ...signers]) unique.set(s.publicKey.toBase58(), s);
    const local = [...unique.values()].filter((s): s is Signer => "secretKey" in s);
    if (local.length > 0) tx.sign(local);
    const bytes = tx.message.serialize();
    for (const remote of unique.values()) {
      // A KMS key signs the serialized message; its signature goes in the slot of its public key.
      if (!("secretKey" in remote)) tx.addSignature(remote.publicKey, await remote.signMessage(bytes));
    }
    return tx;
  }

  /**
   * Broadcasts with preflight. A program error in preflight is final; "already processed" and an expired
   * blockhash fall through to the status check; anything else (timeout, 5xx) may or may not have reached the
   * cluster, so it is treated as sent and decided by the status polling.
   */
  private async broadcast(tx: VersionedTransaction): Promise<void> {
    try {
      await this.connection.sendRawTransaction(tx.serialize(), {
        preflightCommitment: this.commitment,
        maxRetries: 0,
      });
    } catch (e) {
      if (!(e instanceof SendTransactionError)) return;
      const { message, logs } = e.transactionError;
      if (/already been processed|AlreadyProcessed|Blockhash not found|BlockhashNotFound/i.test(message)) return;
      throw new TransactionFailedError(undefined, message, logs ?? e.logs ?? []);
    }
  }

  private async waitFor(
    submitted: readonly string[],
    blockhash: BlockhashWithExpiryBlockHeight,
    deadline: number,
  ): Promise<Outcome> {
    for (;;) {
      const recent = await this.check(submitted, false);
      if (recent.landed !== undefined) return recent.landed;
      // Expiry is judged at finalized height: past it, a transaction with this blockhash can no longer land
      // on any fork, so a full-history status check is definitive.
      const height = await this.tryRpc(() => this.connection.getBlockHeight("finalized"));
      if (height !== undefined && height > blockhash.lastValidBlockHeight) {
        const all = await this.check(submitted, true);
        if (all.landed !== undefined) return all.landed;
        // Seen but not yet at the commitment: keep waiting for it rather than sign a second transfer.
        if (!all.seen && all.answered) return { kind: "expired" };
      }
      if (Date.now() >= deadline) throw new ConfirmationTimeoutError(submitted, this.timeoutMs);
      await sleep(this.pollMs);
    }
  }

  /**
   * Looks up every submitted signature: the first that reached the commitment (throws if it failed on chain),
   * whether any is known at all, and whether the RPC answered (no answer never counts as "not landed").
   */
  private async check(
    submitted: readonly string[],
    searchHistory: boolean,
  ): Promise<{ landed: Outcome | undefined; seen: boolean; answered: boolean }> {
    const response = await this.tryRpc(() =>
      this.connection.getSignatureStatuses([...submitted], { searchTransactionHistory: searchHistory }),
    );
    if (response === undefined) return { landed: undefined, seen: false, answered: false };
    let seen = false;
    for (const [i, status] of response.value.entries()) {
      const signature = submitted[i];
      if (status === null || signature === undefined) continue;
      seen = true;
      if ((RANK[status.confirmationStatus ?? "processed"] ?? 0) < (RANK[this.commitment] ?? 1)) continue;
      if (status.err) throw new TransactionFailedError(signature, status.err, await this.logsOf(signature));
      return { landed: { kind: "landed", signature, slot: status.slot }, seen, answered: true };
    }
    return { landed: undefined, seen, answered: true };
  }

  private async logsOf(signature: string): Promise<string[]> {
    const tx = await this.tryRpc(() =>
      this.connection.getTransaction(signature, { maxSupportedTransactionVersion: 0, commitment: this.commitment }),
    );
    return tx?.meta?.logMessages ?? [];
  }

  private async rpc<T>(method: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      throw new SolanaRpcError(method, e);
    }
  }

  private async tryRpc<T>(call: () => Promise<T>): Promise<T | undefined> {
    try {
      return await call();
    } catch {
      return undefined;
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
