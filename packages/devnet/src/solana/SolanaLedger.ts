import { randomBytes } from "node:crypto";
import { setFlagsFromString } from "node:v8";
import {
  type AccountInfo,
  AddressLookupTableAccount,
  Keypair,
  type MessageAccountKeys,
  PublicKey,
  SystemProgram,
  Transaction,
  type VersionedMessage,
  VersionedTransaction,
} from "@solana/web3.js";
import { FailedTransactionMetadata, LiteSVM, type TransactionMetadata } from "litesvm";
import { base58 } from "./base58.ts";
import { formatMemos } from "./formatMemos.ts";
import { RpcError, RpcErrorCode } from "./RpcError.ts";
import {
  type CompiledInstructionJson,
  type TokenBalanceJson,
  TransactionHistory,
  type TransactionMetaJson,
  type TransactionRecord,
} from "./TransactionHistory.ts";
import { uiTokenAmount } from "./tokenAmount.ts";
import { decodeTokenState } from "./tokenState.ts";
import { type DescribedTransactionError, describeTransactionError, namedTransactionError } from "./transactionError.ts";

// litesvm 0.8's linux-x64-gnu binding leaves the x87 FPU stack dirty after running SBF programs; V8's
// pretenuring pass then does long-double maths in libstdc++, gets NaN and aborts with std::bad_alloc on a
// later GC (LiteSVM/litesvm#171). Turning that V8 pass off (process-wide, harmless) avoids the abort.
setFlagsFromString("--no-allocation-site-pretenuring");

/** Slots a blockhash stays usable, as on mainnet (MAX_PROCESSING_AGE). */
export const BLOCKHASH_VALID_SLOTS = 150;
const LAMPORTS_PER_SIGNATURE = 5000;
const FAUCET_LAMPORTS = 2 ** 52;

/** Result of a simulation, in the RPC's terms. */
export interface SimulationOutcome {
  err: DescribedTransactionError | null;
  logs: string[];
  unitsConsumed: number;
  returnData: { programId: string; data: [string, "base64"] } | null;
  innerInstructions: TransactionMetaJson["innerInstructions"];
  /** Post-simulation state of the accounts the transaction touched. */
  postAccounts: Map<string, AccountInfo<Uint8Array>>;
  replacementBlockhash: { blockhash: string; lastValidBlockHeight: number } | null;
}

/**
 * The chain behind the RPC: a LiteSVM plus what a validator adds around it — slots that advance per transaction,
 * a clock following wall time, a 150-slot blockhash window, a faucet and an address-indexed history.
 *
 * @example const ledger = new SolanaLedger(); ledger.airdrop(payer.publicKey, 1_000_000_000);
 */
export class SolanaLedger {
  /** The underlying VM; direct writes through it bypass the history (prefer `setAccount`). */
  readonly svm: LiteSVM;
  readonly history = new TransactionHistory();
  readonly genesisHash = base58.encode(randomBytes(32));
  private currentSlot = 1;
  private lastUnixTimestamp = 0n;
  /** blockhash -> slot it was issued in */
  private readonly blockhashes = new Map<string, number>();
  private readonly known = new Set<string>();
  private readonly faucet = Keypair.generate();
  private readonly listeners = new Set<(record: TransactionRecord) => void>();

  constructor() {
    // Blockhash expiry is checked here with a window; litesvm alone only accepts the very latest hash.
    this.svm = new LiteSVM().withBlockhashCheck(false);
    this.svm.warpToSlot(BigInt(this.currentSlot));
    this.syncClock();
    this.blockhashes.set(this.svm.latestBlockhash(), this.currentSlot);
    this.setAccount(this.faucet.publicKey, {
      lamports: FAUCET_LAMPORTS,
      data: new Uint8Array(0),
      owner: SystemProgram.programId,
      executable: false,
    });
  }

  get slot(): number {
    return this.currentSlot;
  }

  /** No skipped slots locally, so block height equals slot. */
  get blockHeight(): number {
    return this.currentSlot;
  }

  get transactionCount(): number {
    return this.history.size;
  }

  latestBlockhash(): { blockhash: string; lastValidBlockHeight: number } {
    const blockhash = this.svm.latestBlockhash();
    const issued = this.blockhashes.get(blockhash) ?? this.currentSlot;
    return { blockhash, lastValidBlockHeight: issued + BLOCKHASH_VALID_SLOTS };
  }

  isBlockhashValid(blockhash: string): boolean {
    const issued = this.blockhashes.get(blockhash);
    return issued !== undefined && this.currentSlot <= issued + BLOCKHASH_VALID_SLOTS;
  }

  /** Moves to the next slot: new blockhash, clock at wall time. Called after every landed transaction. */
  advanceSlot(): void {
    this.currentSlot++;
    this.svm.warpToSlot(BigInt(this.currentSlot));
    this.syncClock();
    this.svm.expireBlockhash();
    this.blockhashes.set(this.svm.latestBlockhash(), this.currentSlot);
    for (const [hash, issued] of this.blockhashes) {
      if (issued + 2 * BLOCKHASH_VALID_SLOTS < this.currentSlot) this.blockhashes.delete(hash);
    }
  }

  getAccount(address: PublicKey): AccountInfo<Uint8Array> | null {
    return this.svm.getAccount(address);
  }

  /** Writes an account directly (test setup) and remembers it for owner/program scans. */
  setAccount(address: PublicKey, info: AccountInfo<Uint8Array>): void {
    this.svm.setAccount(address, info);
    this.known.add(address.toBase58());
  }

  /** Every address seen in a transaction or set directly: LiteSVM cannot enumerate accounts itself. */
  knownAddresses(): PublicKey[] {
    return [...this.known].map((a) => new PublicKey(a));
  }

  onTransaction(listener: (record: TransactionRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Sends lamports from the built-in faucet through a real transfer transaction; returns its signature. */
  airdrop(to: PublicKey, lamports: number | bigint): string {
    const tx = new Transaction({
      feePayer: this.faucet.publicKey,
      recentBlockhash: this.svm.latestBlockhash(),
    }).add(SystemProgram.transfer({ fromPubkey: this.faucet.publicKey, toPubkey: to, lamports: BigInt(lamports) }));
    tx.sign(this.faucet);
    return this.sendTransaction(tx.serialize(), { skipPreflight: false });
  }

  /**
   * Executes a wire transaction. Preflight failures and transactions that cannot land throw an `RpcError` shaped
   * like the validator's; with `skipPreflight` a transaction failing during execution lands (fee charged) and
   * its signature is returned.
   */
  sendTransaction(wire: Uint8Array, options: { skipPreflight: boolean }): string {
    const tx = deserializeTransaction(wire);
    const signature = base58.encode(tx.signatures[0] ?? new Uint8Array(64));
    if (this.history.get(signature) !== undefined) {
      if (options.skipPreflight) return signature;
      throw preflightError(namedTransactionError("AlreadyProcessed"), [], 0);
    }
    if (!this.isBlockhashValid(tx.message.recentBlockhash) && !usesDurableNonce(tx.message)) {
      throw preflightError(namedTransactionError("BlockhashNotFound"), [], 0);
    }
    if (!options.skipPreflight) {
      const sim = this.simulateTransaction(tx, { sigVerify: true, replaceRecentBlockhash: false });
      if (sim.err !== null) throw preflightError(sim.err, sim.logs, sim.unitsConsumed);
    }

    const keys = this.resolveAccountKeys(tx.message);
    const allKeys = keys.keySegments().flat();
    const preBalances = allKeys.map((k) => this.svm.getBalance(k) ?? 0n);
    const preTokenBalances = this.tokenBalances(allKeys);
    const blockTime = Number(this.syncClock());

    const result = this.svm.sendTransaction(tx);
    const failed = result instanceof FailedTransactionMetadata ? result : null;
    const meta: TransactionMetadata = failed === null ? (result as TransactionMetadata) : failed.meta();
    const described = failed === null ? null : describeTransactionError(failed);
    if (failed !== null && this.svm.getTransaction(tx.signatures[0] ?? new Uint8Array(64)) === null) {
      // Rejected before execution (bad signature, fee payer cannot pay, ...): nothing lands.
      const error = described ?? namedTransactionError("SanitizeFailure");
      if (error.json === "SignatureFailure") {
        throw new RpcError(RpcErrorCode.signatureVerificationFailure, "Transaction signature verification failure");
      }
      throw preflightError(error, meta.logs(), Number(meta.computeUnitsConsumed()));
    }

    for (const k of allKeys) this.known.add(k.toBase58());
    const errJson = described?.json ?? null;
    const metaJson: TransactionMetaJson = {
      err: errJson,
      status: errJson === null ? { Ok: null } : { Err: errJson },
      fee: feeOf(meta, tx),
      preBalances: preBalances.map(Number),
      postBalances: allKeys.map((k) => Number(this.svm.getBalance(k) ?? 0n)),
      innerInstructions: innerInstructionsOf(meta),
      logMessages: meta.logs(),
      preTokenBalances,
      postTokenBalances: this.tokenBalances(allKeys),
      rewards: [],
      loadedAddresses: {
        writable: keys.accountKeysFromLookups?.writable.map((k) => k.toBase58()) ?? [],
        readonly: keys.accountKeysFromLookups?.readonly.map((k) => k.toBase58()) ?? [],
      },
      computeUnitsConsumed: Number(meta.computeUnitsConsumed()),
    };
    const returnData = returnDataOf(meta);
    if (returnData !== null) metaJson.returnData = returnData;

    const record: TransactionRecord = {
      signature,
      seq: this.history.size,
      slot: this.currentSlot,
      blockTime,
      transaction: tx,
      accountKeys: allKeys,
      meta: metaJson,
      memo: formatMemos(
        tx.message.compiledInstructions.map((ix) => ({
          programId: allKeys[ix.programIdIndex]?.toBase58() ?? "",
          data: ix.data,
        })),
      ),
    };
    this.history.add(record);
    this.advanceSlot();
    for (const listener of this.listeners) listener(record);
    return signature;
  }

  /** Runs a transaction without committing it. */
  simulateTransaction(
    tx: VersionedTransaction,
    options: { sigVerify: boolean; replaceRecentBlockhash: boolean },
  ): SimulationOutcome {
    let replacementBlockhash: SimulationOutcome["replacementBlockhash"] = null;
    if (options.replaceRecentBlockhash) {
      replacementBlockhash = this.latestBlockhash();
      tx.message.recentBlockhash = replacementBlockhash.blockhash;
    } else if (!this.isBlockhashValid(tx.message.recentBlockhash) && !usesDurableNonce(tx.message)) {
      return {
        err: namedTransactionError("BlockhashNotFound"),
        logs: [],
        unitsConsumed: 0,
        returnData: null,
        innerInstructions: [],
        postAccounts: new Map(),
        replacementBlockhash,
      };
    }
    this.syncClock();
    this.svm.withSigverify(options.sigVerify);
    let result: ReturnType<LiteSVM["simulateTransaction"]>;
    try {
      result = this.svm.simulateTransaction(tx);
    } finally {
      this.svm.withSigverify(true);
    }
    const failed = result instanceof FailedTransactionMetadata ? result : null;
    const meta = result.meta();
    const postAccounts = new Map<string, AccountInfo<Uint8Array>>();
    if (failed === null && !(result instanceof FailedTransactionMetadata)) {
      for (const [key, acc] of result.postAccounts()) {
        postAccounts.set(key.toBase58(), {
          lamports: Number(acc.lamports()),
          data: acc.data(),
          owner: new PublicKey(acc.owner()),
          executable: acc.executable(),
          rentEpoch: Number(acc.rentEpoch()),
        });
      }
    }
    return {
      err: failed === null ? null : describeTransactionError(failed),
      logs: meta.logs(),
      unitsConsumed: Number(meta.computeUnitsConsumed()),
      returnData: returnDataOf(meta),
      innerInstructions: innerInstructionsOf(meta),
      postAccounts,
      replacementBlockhash,
    };
  }

  /** Fee the runtime charges for a message: a flat 5000 lamports per signature (no priority fee estimate). */
  feeForMessage(message: VersionedMessage): number {
    return message.header.numRequiredSignatures * LAMPORTS_PER_SIGNATURE;
  }

  resolveAccountKeys(message: VersionedMessage): MessageAccountKeys {
    if (message.version === "legacy") return message.getAccountKeys();
    const addressLookupTableAccounts: AddressLookupTableAccount[] = [];
    for (const lookup of message.addressTableLookups) {
      const info = this.svm.getAccount(lookup.accountKey);
      if (info === null) continue;
      try {
        const state = AddressLookupTableAccount.deserialize(info.data);
        addressLookupTableAccounts.push(new AddressLookupTableAccount({ key: lookup.accountKey, state }));
      } catch {
        // Not a lookup table: the runtime rejects the transaction, keep the static keys for the record.
      }
    }
    try {
      return message.getAccountKeys({ addressLookupTableAccounts });
    } catch {
      return message.getAccountKeys({ accountKeysFromLookups: { writable: [], readonly: [] } });
    }
  }

  private tokenBalances(keys: readonly PublicKey[]): TokenBalanceJson[] {
    const out: TokenBalanceJson[] = [];
    keys.forEach((key, accountIndex) => {
      const state = decodeTokenState(key, this.svm.getAccount(key));
      if (state?.kind !== "account") return;
      const mint = decodeTokenState(state.account.mint, this.svm.getAccount(state.account.mint));
      if (mint?.kind !== "mint") return;
      out.push({
        accountIndex,
        mint: state.account.mint.toBase58(),
        owner: state.account.owner.toBase58(),
        programId: state.programId.toBase58(),
        uiTokenAmount: uiTokenAmount(state.account.amount, mint.mint.decimals),
      });
    });
    return out;
  }

  /** Sets the Clock sysvar to wall time (never backwards) and returns the unix timestamp. */
  private syncClock(): bigint {
    const now = BigInt(Math.floor(Date.now() / 1000));
    this.lastUnixTimestamp = now > this.lastUnixTimestamp ? now : this.lastUnixTimestamp;
    const clock = this.svm.getClock();
    clock.unixTimestamp = this.lastUnixTimestamp;
    this.svm.setClock(clock);
    return this.lastUnixTimestamp;
  }
}

/** Parses wire bytes (legacy or v0) or throws the validator's -32602. */
export function deserializeTransaction(wire: Uint8Array): VersionedTransaction {
  try {
    return VersionedTransaction.deserialize(wire);
  } catch (e) {
    throw new RpcError(
      RpcErrorCode.invalidParams,
      `failed to deserialize solana_transaction::versioned::VersionedTransaction: ${(e as Error).message}`,
    );
  }
}

function preflightError(err: DescribedTransactionError, logs: string[], unitsConsumed: number): RpcError {
  return new RpcError(RpcErrorCode.sendTransactionPreflightFailure, `Transaction simulation failed: ${err.message}`, {
    accounts: null,
    err: err.json,
    innerInstructions: null,
    loadedAccountsDataSize: 0,
    logs,
    replacementBlockhash: null,
    returnData: null,
    unitsConsumed,
  });
}

// A durable-nonce transaction starts with System AdvanceNonceAccount (instruction 4) and skips the age check.
function usesDurableNonce(message: VersionedMessage): boolean {
  const first = message.compiledInstructions[0];
  if (first === undefined) return false;
  const program = message.staticAccountKeys[first.programIdIndex];
  return (
    program?.equals(SystemProgram.programId) === true &&
    first.data.length >= 4 &&
    Buffer.from(first.data).readUInt32LE(0) === 4
  );
}

// litesvm 0.8's JS binding does not expose the charged fee, but its Debug text does; fall back to the flat fee.
function feeOf(meta: TransactionMetadata, tx: VersionedTransaction): number {
  const match = /\bfee: (\d+)/.exec(meta.toString());
  if (match?.[1] !== undefined) return Number(match[1]);
  return tx.message.header.numRequiredSignatures * LAMPORTS_PER_SIGNATURE;
}

function innerInstructionsOf(meta: TransactionMetadata): TransactionMetaJson["innerInstructions"] {
  const out: TransactionMetaJson["innerInstructions"] = [];
  meta.innerInstructions().forEach((list, index) => {
    if (list.length === 0) return;
    const instructions: CompiledInstructionJson[] = list.map((inner) => {
      const ix = inner.instruction();
      return {
        programIdIndex: ix.programIdIndex(),
        accounts: [...ix.accounts()],
        data: base58.encode(ix.data()),
        stackHeight: inner.stackHeight(),
      };
    });
    out.push({ index, instructions });
  });
  return out;
}

function returnDataOf(meta: TransactionMetadata): { programId: string; data: [string, "base64"] } | null {
  const rd = meta.returnData();
  const data = rd.data();
  if (data.length === 0) return null;
  return {
    programId: new PublicKey(rd.programId()).toBase58(),
    data: [Buffer.from(data).toString("base64"), "base64"],
  };
}
