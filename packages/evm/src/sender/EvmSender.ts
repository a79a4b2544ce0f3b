import { type NonceStore, SlabridgeError } from "@slabridge/core";
import {
  type Abi,
  type Address,
  type Chain,
  type Hash,
  type Hex,
  keccak256,
  type PublicClient,
  TransactionNotFoundError,
  type TransactionReceipt,
  TransactionReceiptNotFoundError,
  type Transport,
} from "viem";
import { sendRawTransaction } from "viem/actions";
import { rpcUrlOf } from "../createEvmChainClient.ts";
import {
  ContractRevertedError,
  EvmConfigError,
  EvmRpcError,
  NonceTakenError,
  NonceTooLowError,
  ReceiptTimeoutError,
  ReplacementUnderpricedError,
  RpcTimeoutError,
  RpcUnavailableError,
  SendCancelledError,
  TransactionKnownError,
} from "../errors.ts";
import { type TranslateEvmErrorContext, translateEvmError } from "../translateEvmError.ts";
import { type EvmTxSigner, nodeAccountSigner } from "./EvmTxSigner.ts";
import { bumpFees, capFees, type Eip1559Fees } from "./feeBump.ts";

/** A transaction to send, built apart from signing (see the `build*Tx` helpers). */
export interface EvmTxRequest {
  to: Address;
  data?: Hex;
  value?: bigint;
  /** Gas limit; estimated (which also surfaces reverts before a nonce is spent) when omitted. */
  gas?: bigint;
  /** ABI whose errors decode a revert (e.g. `escrowAbi`). */
  abi?: Abi | readonly unknown[];
}

/** A signed transaction of the sender, reported before it is broadcast. */
export interface Submission {
  hash: Hash;
  nonce: number;
  /** Every hash signed for this nonce so far, oldest first (what `resume` needs). */
  hashes: readonly Hash[];
  /** True for a fee-bumped replacement of an earlier hash. */
  replacement: boolean;
  /** The fees this hash was signed with. */
  fees: Eip1559Fees;
}

/**
 * Hooks of one send (besides the sender-wide `onSubmitted`), so the caller of `send` can record its own work's hash
 * (a job, a netting step) and guard the send with what the chain shows once its nonce is known.
 */
export interface SendHooks {
  /**
   * Called with the reserved nonce before anything is signed, inside the sender's turn (no other send of this sender
   * reserves or broadcasts meanwhile). `false` cancels: the nonce is given back (or filled) and `send` throws
   * {@link SendCancelledError}; a throw cancels the same way and is rethrown.
   */
  onReserved?: (nonce: number) => boolean | Promise<boolean>;
  /** Like the sender-wide `onSubmitted`, for this send's hashes only (awaited before each broadcast; called after it). */
  onSubmitted?: (submission: Submission) => void | Promise<void>;
  /**
   * Called once the first broadcast is done (the node has the transaction, or may have it), before the receipt wait.
   * A throw ends the send with it (the transaction stays with the node): a crash point for tests, or a log line.
   */
  onBroadcast?: (submission: Submission) => void | Promise<void>;
}

/** Things worth a log line or a metric. */
export type SenderEvent =
  | ({ type: "bumped"; nonce: number; hash: Hash } & Eip1559Fees)
  /** The fee cap leaves no room for another bump: the sender keeps waiting at the current fees. */
  | { type: "fee-cap-reached"; nonce: number; maxFeePerGas: bigint }
  | { type: "replacement-rejected"; nonce: number; reason: string }
  /** The node refused a first broadcast; its nonce went back to the store (nothing was reserved after it). */
  | { type: "nonce-released"; nonce: number; reason: string }
  /** A nonce nobody broadcast (refused, lost, or its worker died) was taken by a 0-value transfer to self. */
  | { type: "gap-filled"; nonce: number; hash: Hash }
  /** Filling that nonce failed (e.g. no funds for gas): the stall check tries again later. */
  | { type: "gap-fill-failed"; nonce: number; reason: string };

/** Options of {@link EvmSender}. */
export interface EvmSenderOptions {
  client: PublicClient<Transport, Chain>;
  /**
   * The key: an {@link EvmTxSigner} (a viem `LocalAccount`: `privateKeyToAccount`, `kmsEvmAccount`), or the
   * address of an account the node holds unlocked (anvil's dev accounts: signed by the node, see `nodeAccountSigner`).
   */
  account: EvmTxSigner | Address;
  nonceStore: NonceStore;
  /** The NonceStore key: one per (chain, key), never per role (see {@link evmSenderId}). */
  senderId: string;
  /** Replacement fees: each bump multiplies both fee fields by at least `factor` (>= 1.1), never above the cap. */
  gasBump: { factor: number; maxFeePerGasCap: bigint };
  /** How long a transaction may stay unmined before it is replaced with higher fees. */
  stuckAfterMs: number;
  /** How long to wait for any transaction of a nonce before giving up with {@link ReceiptTimeoutError}. */
  receiptTimeoutMs: number;
  /**
   * How long the node's pending nonce may stay below a nonce this sender waits on, without moving, before the
   * missing nonce is filled with a 0-value transfer to self (default: twice `stuckAfterMs`).
   */
  gapFillAfterMs?: number;
  /**
   * How long the chain may show the nonce used with no receipt for any of the send's hashes before another
   * transaction is taken to hold it ({@link NonceTakenError}; default 10 s: see `#assertNonceOpen`).
   */
  takenAfterMs?: number;
  /** Receipt polling interval (default: the client's polling interval). */
  pollIntervalMs?: number;
  /**
   * Called with every signed transaction's hash before it is broadcast (awaited; a throw cancels the broadcast), so
   * the caller can record it first: a crash mid-broadcast still leaves the hash on record.
   */
  onSubmitted?: (submission: Submission) => void | Promise<void>;
  onEvent?: (event: SenderEvent) => void;
}

/** A mined transaction and what it took. */
export interface SendResult {
  receipt: TransactionReceipt;
  nonce: number;
  /** Every hash signed for the nonce; `receipt.transactionHash` is the one that landed. */
  hashes: readonly Hash[];
}

interface TxBody {
  to: Address;
  data: Hex;
  value: bigint;
  gas: bigint;
}

interface InFlight {
  nonce: number;
  hashes: Hash[];
  fees: Eip1559Fees;
  body: TxBody;
  abi: Abi | readonly unknown[] | undefined;
  nextBumpAt: number;
  /** The send's own hook (see {@link SendHooks.onSubmitted}). */
  onSubmitted?: SendHooks["onSubmitted"];
}

/** What a broadcast came to: on the node (or maybe: a lost answer), or refused for sure. */
type Broadcast = { kind: "sent" } | { kind: "known" } | { kind: "refused"; error: SlabridgeError };

const BROADCAST_ATTEMPTS = 3;
const TRANSFER_GAS = 21_000n;
const DEFAULT_TAKEN_AFTER_MS = 10_000;
const FIRST_LOOK_MS = 25;

/**
 * The NonceStore key of a key on a chain: `evm:<chainId>:<address>`. One key has one nonce sequence whatever role
 * (executor, DVN, ...) uses it, so the id never names the role.
 *
 * @example evmSenderId(31337, "0xF39F...2266") // "evm:31337:0xf39f...2266"
 */
export function evmSenderId(chainId: number, address: Address): string {
  return `evm:${chainId}:${address.toLowerCase()}`;
}

/**
 * Sends transactions from one key without ever using a nonce twice for different work, and without leaving a nonce
 * nobody will use:
 *
 * - each send reserves a nonce in the {@link NonceStore}, signs (so it knows the hash), reports the hash through
 *   `onSubmitted`, and only then broadcasts the raw transaction, never retried underneath by the transport;
 * - reservation and broadcast are serialized per sender, so its transactions reach the node in nonce order and a
 *   nonce's receipt wait never starts behind a lower nonce of its own that is still being broadcast;
 * - re-sending the same signed bytes is harmless (same hash), so a lost answer is retried as is, and "nonce too low"
 *   / "already known" are settled by the receipts of its own hashes: {@link NonceTakenError} only when another
 *   transaction took the nonce;
 * - a broadcast the node refused gives its nonce back (or fills it), and a wait that finds the node's pending nonce
 *   stuck below its own fills the missing nonce with a 0-value transfer to self;
 * - a stuck transaction is replaced at the same nonce with fees bumped by `gasBump.factor` (capped).
 *
 * `resume` picks up a send recorded before a crash.
 *
 * @example
 * ```ts
 * const sender = new EvmSender({
 *   client, account: privateKeyToAccount(key), nonceStore, senderId: evmSenderId(chainId, address),
 *   gasBump: { factor: 1.125, maxFeePerGasCap: parseGwei("200") }, stuckAfterMs: 30_000, receiptTimeoutMs: 600_000,
 *   onSubmitted: ({ hash, nonce }) => jobs.markSubmitted(job, hash, nonce),
 * });
 * const { receipt } = await sender.send({ ...buildReleaseTx({ escrow, modelId, epoch }), abi: escrowAbi });
 * ```
 */
export class EvmSender {
  readonly #options: EvmSenderOptions;
  readonly #signer: EvmTxSigner;
  readonly #pollMs: number;
  readonly #gapFillAfterMs: number;
  readonly #takenAfterMs: number;
  /** The tail of the reserve-sign-broadcast queue (see the class doc). */
  #queue: Promise<unknown> = Promise.resolve();
  /** The node's pending nonce last seen below a waited-on nonce, and since when (the stall check). */
  #stall: { pending: number; since: number } | undefined;
  readonly #filling = new Set<number>();
  /** Nonces this sender is waiting on: their own wait re-sends them (bumps), so the stall check leaves them alone. */
  readonly #waiting = new Set<number>();

  constructor(options: EvmSenderOptions) {
    if (!(options.gasBump.factor >= 1.1)) throw new EvmConfigError("gasBump.factor must be at least 1.1.");
    if (options.gasBump.maxFeePerGasCap <= 0n) throw new EvmConfigError("gasBump.maxFeePerGasCap must be positive.");
    if (options.stuckAfterMs <= 0 || options.receiptTimeoutMs <= 0) {
      throw new EvmConfigError("stuckAfterMs and receiptTimeoutMs must be positive.");
    }
    if (options.gapFillAfterMs !== undefined && !(options.gapFillAfterMs > 0)) {
      throw new EvmConfigError("gapFillAfterMs must be positive.");
    }
    if (options.takenAfterMs !== undefined && !(options.takenAfterMs >= 0)) {
      throw new EvmConfigError("takenAfterMs must not be negative.");
    }
    this.#options = options;
    this.#signer =
      typeof options.account === "string" ? nodeAccountSigner(options.client, options.account) : options.account;
    this.#pollMs = options.pollIntervalMs ?? options.client.pollingInterval;
    this.#gapFillAfterMs = options.gapFillAfterMs ?? 2 * options.stuckAfterMs;
    this.#takenAfterMs = options.takenAfterMs ?? DEFAULT_TAKEN_AFTER_MS;
  }

  /** The sending address. */
  get address(): Address {
    return this.#signer.address;
  }

  /** The NonceStore key its nonces are reserved under. */
  get senderId(): string {
    return this.#options.senderId;
  }

  /**
   * Estimates gas (a revert surfaces here, before a nonce is spent), reserves a nonce, signs, reports the hash,
   * broadcasts, and waits for the receipt, replacing the transaction with higher fees while it is stuck. A mined
   * revert throws {@link ContractRevertedError} with the transaction hash. `hooks` are this send's own (see
   * {@link SendHooks}).
   *
   * @example
   * const { receipt, nonce } = await sender.send({ to, data, abi: escrowAbi }, {
   *   onSubmitted: ({ hash, nonce }) => jobs.recordHash(job.id, hash, nonce),   // before the node sees it
   * });
   */
  async send(request: EvmTxRequest, hooks: SendHooks = {}): Promise<SendResult> {
    const { client, nonceStore, senderId, gasBump } = this.#options;
    const data = request.data ?? "0x";
    const value = request.value ?? 0n;
    const gas =
      request.gas ??
      (await this.#rpc("eth_estimateGas", request.abi, () =>
        client.estimateGas({ account: this.address, to: request.to, data, value }),
      ));
    const fees = capFees(
      await this.#rpc("estimateFeesPerGas", undefined, () => client.estimateFeesPerGas()),
      gasBump.maxFeePerGasCap,
    );
    const inFlight = await this.#inTurn(async () => {
      const pending = await this.#pendingNonce();
      const nonce = await nonceStore.reserve(senderId, pending);
      const reserved: InFlight = {
        nonce,
        hashes: [],
        fees,
        body: { to: request.to, data, value, gas },
        abi: request.abi,
        nextBumpAt: Date.now() + this.#options.stuckAfterMs,
        ...(hooks.onSubmitted ? { onSubmitted: hooks.onSubmitted } : {}),
      };
      if (hooks.onReserved) await this.#guard(nonce, hooks.onReserved);
      await this.#submitFirst(reserved);
      return reserved;
    });
    await hooks.onBroadcast?.(this.#submission(inFlight, inFlight.fees, false));
    return await this.#settle(inFlight);
  }

  /** Runs a send's `onReserved`; a refusal or a throw gives the nonce back (or fills it) before `send` fails. */
  async #guard(nonce: number, onReserved: NonNullable<SendHooks["onReserved"]>): Promise<void> {
    let go: boolean;
    try {
      go = await onReserved(nonce);
    } catch (error) {
      await this.#abandon(nonce, error);
      throw error;
    }
    if (go) return;
    const error = new SendCancelledError(nonce, this.#context("send"));
    await this.#abandon(nonce, error);
    throw error;
  }

  #submission(inFlight: InFlight, fees: Eip1559Fees, replacement: boolean): Submission {
    const hash = inFlight.hashes.at(-1);
    if (hash === undefined) throw new EvmConfigError(`nonce ${inFlight.nonce} has no signed transaction`);
    return { hash, nonce: inFlight.nonce, hashes: [...inFlight.hashes], replacement, fees };
  }

  /**
   * Picks up a send recorded as submitted before a restart: returns the receipt if one of `hashes` was mined; throws
   * {@link NonceTakenError} if the nonce was used by something else; otherwise replaces the pending transaction
   * with bumped fees (its body is read back from the node, or taken from `request` if the node lost it) and waits.
   *
   * @example const { receipt } = await sender.resume({ nonce: job.nonce, hashes: [job.destinationTransaction] });
   */
  async resume(submitted: { nonce: number; hashes: readonly Hash[]; request?: EvmTxRequest }): Promise<SendResult> {
    const { nonce } = submitted;
    const hashes = [...submitted.hashes];
    const mined = await this.#findMined(hashes);
    if (mined) return await this.#finish(mined, nonce, hashes, submitted.request?.abi);
    await this.#assertNonceOpen(nonce, hashes);

    const known = await this.#pendingBody(hashes);
    const fallback = submitted.request;
    const abi = fallback?.abi;
    if (known) {
      return await this.#settle({ nonce, hashes, fees: known.fees, body: known.body, abi, nextBumpAt: Date.now() });
    }
    if (fallback === undefined) {
      throw new EvmConfigError(
        `Cannot resume nonce ${nonce}: the node has none of its transactions and no request was given.`,
      );
    }
    // The node dropped every copy (e.g. it restarted): broadcast the body again at the same nonce.
    const { client, gasBump } = this.#options;
    const data = fallback.data ?? "0x";
    const value = fallback.value ?? 0n;
    const gas =
      fallback.gas ??
      (await this.#rpc("eth_estimateGas", abi, () =>
        client.estimateGas({ account: this.address, to: fallback.to, data, value }),
      ));
    const fees = capFees(
      await this.#rpc("estimateFeesPerGas", undefined, () => client.estimateFeesPerGas()),
      gasBump.maxFeePerGasCap,
    );
    const inFlight: InFlight = {
      nonce,
      hashes,
      fees,
      body: { to: fallback.to, data, value, gas },
      abi,
      nextBumpAt: Date.now() + this.#options.stuckAfterMs,
    };
    await this.#submitFirst(inFlight);
    return await this.#settle(inFlight);
  }

  /** Runs `step` after every earlier reserve-and-broadcast of this sender has finished (see the class doc). */
  async #inTurn<T>(step: () => Promise<T>): Promise<T> {
    const turn = this.#queue.then(step);
    this.#queue = turn.catch(() => undefined);
    return await turn;
  }

  /**
   * Signs the nonce's transaction, reports its hash, then broadcasts it. When the node surely did not take it (it
   * refused, or signing or `onSubmitted` failed), the nonce is given back or filled before the error is thrown, so a
   * failed first broadcast never stalls the key.
   */
  async #submitFirst(inFlight: InFlight): Promise<void> {
    let raw: Hex;
    try {
      raw = await this.#signAndReport(inFlight, inFlight.fees, inFlight.hashes.length > 0);
    } catch (error) {
      await this.#abandon(inFlight.nonce, error);
      throw error;
    }
    const outcome = await this.#broadcast(raw, inFlight.abi);
    if (outcome.kind !== "refused") return;
    if (outcome.error instanceof ReplacementUnderpricedError) {
      // Another transaction (not ours: our bytes would be "already known") holds the nonce on the node.
      throw new NonceTakenError(inFlight.nonce, [...inFlight.hashes], this.#context("eth_sendRawTransaction"));
    }
    await this.#abandon(inFlight.nonce, outcome.error);
    throw outcome.error;
  }

  /** Signs the nonce's body with `fees`, adds the hash to the in-flight record and reports it (before any broadcast). */
  async #signAndReport(inFlight: InFlight, fees: Eip1559Fees, replacement: boolean): Promise<Hex> {
    const raw = await this.#sign(inFlight.nonce, inFlight.body, fees);
    const hash = keccak256(raw);
    if (!inFlight.hashes.includes(hash)) inFlight.hashes.push(hash);
    const submission: Submission = { hash, nonce: inFlight.nonce, hashes: [...inFlight.hashes], replacement, fees };
    await this.#options.onSubmitted?.(submission);
    await inFlight.onSubmitted?.(submission);
    return raw;
  }

  async #sign(nonce: number, body: TxBody, fees: Eip1559Fees): Promise<Hex> {
    return await this.#rpc("sign transaction", undefined, () =>
      this.#signer.signTransaction({
        chainId: this.#options.client.chain.id,
        type: "eip1559",
        nonce,
        to: body.to,
        data: body.data,
        value: body.value,
        gas: body.gas,
        ...fees,
      }),
    );
  }

  /**
   * Broadcasts signed bytes with no transport retry underneath. A lost answer (timeout, connection error, transient
   * node error) is retried with the same bytes, which is harmless: same hash. "Nonce too low" and "already known"
   * mean the node has the nonce already (ours or not: the receipts of our hashes tell), so they are not failures here.
   * After the last attempt a possibly delivered transaction counts as sent: the wait re-sends it as a replacement if
   * the node never got it.
   */
  async #broadcast(raw: Hex, abi: InFlight["abi"]): Promise<Broadcast> {
    for (let attempt = 1; ; attempt++) {
      try {
        await sendRawTransaction(this.#options.client, { serializedTransaction: raw });
        return { kind: "sent" };
      } catch (cause) {
        const error = translateEvmError(cause, this.#context("eth_sendRawTransaction", abi));
        if (error instanceof NonceTooLowError || error instanceof TransactionKnownError) return { kind: "known" };
        if (!mayHaveArrived(error)) return { kind: "refused", error };
        if (attempt >= BROADCAST_ATTEMPTS) return { kind: "sent" };
        await sleep(this.#pollMs * attempt);
      }
    }
  }

  /**
   * A nonce whose transaction never reached the node: given back when nothing was reserved after it (a conditional
   * store update), otherwise filled with a 0-value transfer to self, so the nonces above it can be mined.
   */
  async #abandon(nonce: number, reason: unknown): Promise<void> {
    const { nonceStore, senderId, onEvent } = this.#options;
    // A store failure here falls back to the fill (which reports its own failure): either closes the gap.
    const released = await nonceStore.release(senderId, nonce).catch(() => false);
    if (released) {
      onEvent?.({ type: "nonce-released", nonce, reason: reasonOf(reason) });
      return;
    }
    await this.#fill(nonce);
  }

  /** Takes `nonce` with a 0-value transfer to self (not awaited to mining); reports the outcome as an event. */
  async #fill(nonce: number): Promise<void> {
    if (this.#filling.has(nonce)) return;
    this.#filling.add(nonce);
    const { client, gasBump, onEvent } = this.#options;
    try {
      const fees = capFees(
        await this.#rpc("estimateFeesPerGas", undefined, () => client.estimateFeesPerGas()),
        gasBump.maxFeePerGasCap,
      );
      const raw = await this.#sign(nonce, { to: this.address, data: "0x", value: 0n, gas: TRANSFER_GAS }, fees);
      const outcome = await this.#broadcast(raw, undefined);
      if (outcome.kind === "refused") throw outcome.error;
      onEvent?.({ type: "gap-filled", nonce, hash: keccak256(raw) });
    } catch (error) {
      onEvent?.({ type: "gap-fill-failed", nonce, reason: reasonOf(error) });
    } finally {
      this.#filling.delete(nonce);
    }
  }

  /**
   * The stall check, run while waiting on `nonce` with the chain below it: when the node's pending nonce stays below
   * `nonce` without moving for `gapFillAfterMs`, nobody is going to broadcast that pending nonce (a refused or lost
   * first broadcast, a worker that died between reserve and broadcast), so it is filled. Only the node's pending
   * nonce itself is ever filled (a nonce the node holds a transaction for is never replaced by a fill), and never
   * one this sender is waiting on itself (its wait re-sends it, with bumped fees, after `stuckAfterMs`).
   */
  async #fillStalledGap(nonce: number): Promise<void> {
    const pending = await this.#pendingNonce();
    if (pending >= nonce || this.#waiting.has(pending)) return;
    const now = Date.now();
    if (this.#stall?.pending !== pending) {
      this.#stall = { pending, since: now };
      return;
    }
    if (now - this.#stall.since < this.#gapFillAfterMs) return;
    this.#stall = { pending, since: now };
    await this.#fill(pending);
  }

  async #pendingNonce(): Promise<number> {
    const { client } = this.#options;
    return await this.#rpc("eth_getTransactionCount", undefined, () =>
      client.getTransactionCount({ address: this.address, blockTag: "pending" }),
    );
  }

  /** Waits for any hash of the nonce to be mined, filling a stalled gap below it and bumping while stuck. */
  async #settle(inFlight: InFlight): Promise<SendResult> {
    this.#waiting.add(inFlight.nonce);
    try {
      return await this.#waitMined(inFlight);
    } finally {
      this.#waiting.delete(inFlight.nonce);
    }
  }

  async #waitMined(inFlight: InFlight): Promise<SendResult> {
    const { receiptTimeoutMs, stuckAfterMs, gasBump, client } = this.#options;
    const deadline = Date.now() + receiptTimeoutMs;
    let capReported = false;
    for (let looks = 0; ; looks++) {
      const mined = await this.#findMined(inFlight.hashes);
      if (mined) return await this.#finish(mined, inFlight.nonce, inFlight.hashes, inFlight.abi);
      const latest = await this.#assertNonceOpen(inFlight.nonce, inFlight.hashes);
      if (Date.now() >= deadline) {
        throw new ReceiptTimeoutError(inFlight.nonce, [...inFlight.hashes], receiptTimeoutMs, this.#context("wait"));
      }
      if (latest < inFlight.nonce) await this.#fillStalledGap(inFlight.nonce);
      if (Date.now() >= inFlight.nextBumpAt) {
        inFlight.nextBumpAt = Date.now() + stuckAfterMs;
        const current = await this.#rpc("estimateFeesPerGas", undefined, () => client.estimateFeesPerGas());
        const fees = bumpFees(inFlight.fees, current, gasBump);
        if (fees === undefined) {
          if (!capReported) {
            capReported = true;
            this.#options.onEvent?.({
              type: "fee-cap-reached",
              nonce: inFlight.nonce,
              maxFeePerGas: inFlight.fees.maxFeePerGas,
            });
          }
        } else {
          await this.#replace(inFlight, fees);
        }
      }
      // A node may answer the broadcast before its block exists (anvil's automine too).
      await this.#nextLook(looks);
    }
  }

  /**
   * Signs, reports and broadcasts a replacement with `fees`. "Nonce too low" needs nothing here: the wait's next
   * receipt check finds our mined hash, or its nonce check throws {@link NonceTakenError}.
   */
  async #replace(inFlight: InFlight, fees: Eip1559Fees): Promise<void> {
    const raw = await this.#signAndReport(inFlight, fees, true);
    const outcome = await this.#broadcast(raw, inFlight.abi);
    const { onEvent } = this.#options;
    if (outcome.kind === "known") return;
    if (outcome.kind === "sent") {
      inFlight.fees = fees;
      onEvent?.({ type: "bumped", nonce: inFlight.nonce, hash: keccak256(raw), ...fees });
      return;
    }
    const { error } = outcome;
    if (error instanceof ReplacementUnderpricedError) {
      // Start the next bump from what the node refused, so it clears the node's own threshold.
      inFlight.fees = fees;
      onEvent?.({ type: "replacement-rejected", nonce: inFlight.nonce, reason: error.shortMessage });
      return;
    }
    if (error.retryable) {
      onEvent?.({ type: "replacement-rejected", nonce: inFlight.nonce, reason: error.shortMessage });
      return;
    }
    throw error;
  }

  /**
   * The chain's latest nonce; throws {@link NonceTakenError} when it is past `nonce` and none of `hashes` (every
   * hash this sender signed for it) was mined: only then did another transaction take it. A node's nonce and its
   * receipts are two reads, not one view (anvil stores a block's state a moment before its receipts; a load-balanced
   * RPC answers from nodes at different heights), so the nonce must stay past with no receipt of ours for
   * `takenAfterMs` before it counts as taken.
   */
  async #assertNonceOpen(nonce: number, hashes: readonly Hash[]): Promise<number> {
    const { client } = this.#options;
    const since = Date.now();
    for (let looks = 0; ; looks++) {
      const latest = await this.#rpc("eth_getTransactionCount", undefined, () =>
        client.getTransactionCount({ address: this.address, blockTag: "latest" }),
      );
      if (latest <= nonce) return latest;
      // Mined between the two reads? Then it is ours after all; the caller's next receipt check returns it.
      if (await this.#findMined(hashes)) return latest;
      if (Date.now() - since >= this.#takenAfterMs) {
        throw new NonceTakenError(nonce, [...hashes], this.#context("eth_getTransactionCount"));
      }
      await this.#nextLook(looks);
    }
  }

  /**
   * Waits before look `looks + 1` at something that is usually there at once (a receipt just after the broadcast, or
   * after its nonce was counted): 25 ms, doubling up to the poll interval, so it is not waited on for a whole one.
   */
  async #nextLook(looks: number): Promise<void> {
    await sleep(Math.min(this.#pollMs, FIRST_LOOK_MS * 2 ** looks));
  }

  async #findMined(hashes: readonly Hash[]): Promise<TransactionReceipt | undefined> {
    for (const hash of hashes) {
      try {
        return await this.#options.client.getTransactionReceipt({ hash });
      } catch (error) {
        if (error instanceof TransactionReceiptNotFoundError) continue;
        throw translateEvmError(error, this.#context("eth_getTransactionReceipt"));
      }
    }
    return undefined;
  }

  /** The newest of `hashes` the node still holds, with the body and fees to replace it. */
  async #pendingBody(hashes: readonly Hash[]): Promise<Pick<InFlight, "body" | "fees"> | undefined> {
    for (const hash of [...hashes].reverse()) {
      try {
        const tx = await this.#options.client.getTransaction({ hash });
        if (tx.to === null) continue;
        const maxFeePerGas = tx.maxFeePerGas ?? tx.gasPrice ?? 0n;
        const maxPriorityFeePerGas = tx.maxPriorityFeePerGas ?? tx.gasPrice ?? 0n;
        return {
          body: { to: tx.to, data: tx.input, value: tx.value, gas: tx.gas },
          fees: { maxFeePerGas, maxPriorityFeePerGas },
        };
      } catch (error) {
        if (error instanceof TransactionNotFoundError) continue;
        throw translateEvmError(error, this.#context("eth_getTransactionByHash"));
      }
    }
    return undefined;
  }

  /** A mined receipt; a reverted one becomes {@link ContractRevertedError}, decoded by replaying the call. */
  async #finish(
    receipt: TransactionReceipt,
    nonce: number,
    hashes: readonly Hash[],
    abi: InFlight["abi"],
  ): Promise<SendResult> {
    if (receipt.status === "success") return { receipt, nonce, hashes: [...hashes] };
    const { client } = this.#options;
    const context = { ...this.#context("replay reverted transaction", abi), transactionHash: receipt.transactionHash };
    try {
      const tx = await client.getTransaction({ hash: receipt.transactionHash });
      // Replayed on the parent block's state: exact for the common one-transaction case, best effort otherwise.
      await client.call({
        account: tx.from,
        ...(tx.to === null ? {} : { to: tx.to }),
        data: tx.input,
        value: tx.value,
        gas: tx.gas,
        blockNumber: receipt.blockNumber - 1n,
      });
    } catch (error) {
      const translated = translateEvmError(error, context);
      if (translated instanceof ContractRevertedError) throw translated;
    }
    throw new ContractRevertedError({
      context: this.#context("mined transaction"),
      transactionHash: receipt.transactionHash,
    });
  }

  async #rpc<T>(operation: string, abi: InFlight["abi"], call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw translateEvmError(error, this.#context(operation, abi));
    }
  }

  #context(operation: string, abi?: InFlight["abi"]): TranslateEvmErrorContext {
    const rpcUrl = rpcUrlOf(this.#options.client);
    return {
      operation,
      chainId: this.#options.client.chain.id,
      ...(rpcUrl === undefined ? {} : { rpcUrl }),
      ...(abi === undefined ? {} : { abi }),
    };
  }
}

/** Whether a failed broadcast may still have reached the node (no answer, or a transient node error). */
function mayHaveArrived(error: SlabridgeError): boolean {
  if (error instanceof RpcTimeoutError || error instanceof RpcUnavailableError) return true;
  return error instanceof EvmRpcError && error.retryable;
}

function reasonOf(error: unknown): string {
  return error instanceof SlabridgeError ? error.shortMessage : "not broadcast";
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
