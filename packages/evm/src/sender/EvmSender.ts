import type { NonceStore } from "@slabridge/core";
import {
  type Abi,
  type Account,
  type Address,
  type Chain,
  createWalletClient,
  custom,
  type Hash,
  type Hex,
  type PublicClient,
  TransactionNotFoundError,
  type TransactionReceipt,
  TransactionReceiptNotFoundError,
  type Transport,
  type WalletClient,
} from "viem";
import { rpcUrlOf } from "../createEvmChainClient.ts";
import {
  ContractRevertedError,
  EvmConfigError,
  NonceTakenError,
  NonceTooLowError,
  ReceiptTimeoutError,
  ReplacementUnderpricedError,
} from "../errors.ts";
import { type TranslateEvmErrorContext, translateEvmError } from "../translateEvmError.ts";
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

/** A transaction the sender broadcast. */
export interface Submission {
  hash: Hash;
  nonce: number;
  /** Every hash sent for this nonce so far, oldest first (what `resume` needs). */
  hashes: readonly Hash[];
  /** True for a fee-bumped replacement of an earlier hash. */
  replacement: boolean;
}

/** Things worth a log line or a metric. */
export type SenderEvent =
  | ({ type: "bumped"; nonce: number; hash: Hash } & Eip1559Fees)
  /** The fee cap leaves no room for another bump: the sender keeps waiting at the current fees. */
  | { type: "fee-cap-reached"; nonce: number; maxFeePerGas: bigint }
  | { type: "replacement-rejected"; nonce: number; reason: string };

/** Options of {@link EvmSender}. */
export interface EvmSenderOptions {
  client: PublicClient<Transport, Chain>;
  /** A viem Account (local key; a KMS-backed account later) or the address of an unlocked node account (anvil). */
  account: Account | Address;
  nonceStore: NonceStore;
  /** The NonceStore key, e.g. `evm:31337:0xabc...`: one per (chain, key). */
  senderId: string;
  /** Replacement fees: each bump multiplies both fee fields by at least `factor` (>= 1.1), never above the cap. */
  gasBump: { factor: number; maxFeePerGasCap: bigint };
  /** How long a transaction may stay unmined before it is replaced with higher fees. */
  stuckAfterMs: number;
  /** How long to wait for any transaction of a nonce before giving up with {@link ReceiptTimeoutError}. */
  receiptTimeoutMs: number;
  /** Receipt polling interval (default: the client's polling interval). */
  pollIntervalMs?: number;
  /** Called after every broadcast and before any waiting, so the caller can record "submitted" first. */
  onSubmitted?: (submission: Submission) => void | Promise<void>;
  onEvent?: (event: SenderEvent) => void;
}

/** A mined transaction and what it took. */
export interface SendResult {
  receipt: TransactionReceipt;
  nonce: number;
  /** Every hash sent for the nonce; `receipt.transactionHash` is the one that landed. */
  hashes: readonly Hash[];
}

interface InFlight {
  nonce: number;
  hashes: Hash[];
  fees: Eip1559Fees;
  /** The body to re-send on a bump; undefined when it is unknown (resume without it and the node lost the tx). */
  body: Required<Pick<EvmTxRequest, "to" | "gas">> & { data: Hex; value: bigint };
  abi: Abi | readonly unknown[] | undefined;
  nextBumpAt: number;
}

const BROADCAST_ATTEMPTS = 3;

/**
 * Sends transactions from one key without ever using a nonce twice for different work: each send reserves a nonce
 * in the {@link NonceStore}, reports the hash through `onSubmitted` before waiting, replaces a stuck transaction at
 * the same nonce with fees bumped by `gasBump.factor` (capped), and on "nonce too low" looks for its own mined
 * transaction instead of retrying. `resume` picks up a send recorded before a crash.
 *
 * @example
 * ```ts
 * const sender = new EvmSender({
 *   client, account, nonceStore, senderId: `evm:${chainId}:${address}`,
 *   gasBump: { factor: 1.125, maxFeePerGasCap: parseGwei("200") }, stuckAfterMs: 30_000, receiptTimeoutMs: 600_000,
 *   onSubmitted: ({ hash, nonce }) => jobs.markSubmitted(job, hash, nonce),
 * });
 * const { receipt } = await sender.send({ ...buildReleaseTx({ escrow, modelId, epoch }), abi: escrowAbi });
 * ```
 */
export class EvmSender {
  readonly #options: EvmSenderOptions;
  readonly #wallet: WalletClient<Transport, Chain, Account>;
  readonly #pollMs: number;

  constructor(options: EvmSenderOptions) {
    if (!(options.gasBump.factor >= 1.1)) throw new EvmConfigError("gasBump.factor must be at least 1.1.");
    if (options.gasBump.maxFeePerGasCap <= 0n) throw new EvmConfigError("gasBump.maxFeePerGasCap must be positive.");
    if (options.stuckAfterMs <= 0 || options.receiptTimeoutMs <= 0) {
      throw new EvmConfigError("stuckAfterMs and receiptTimeoutMs must be positive.");
    }
    this.#options = options;
    const { client } = options;
    // The wallet shares the public client's transport, so both see the same node through the same URL.
    this.#wallet = createWalletClient({
      account: options.account,
      chain: client.chain,
      transport: custom({ request: client.request }),
    });
    this.#pollMs = options.pollIntervalMs ?? client.pollingInterval;
  }

  /** The sending address. */
  get address(): Address {
    return this.#wallet.account.address;
  }

  /**
   * Estimates gas (a revert surfaces here, before a nonce is spent), reserves a nonce, broadcasts, reports the
   * hash, and waits for the receipt, replacing the transaction with higher fees while it is stuck. A mined revert
   * throws {@link ContractRevertedError} with the transaction hash.
   *
   * @example const { receipt, nonce } = await sender.send({ to, data, abi: escrowAbi });
   */
  async send(request: EvmTxRequest): Promise<SendResult> {
    const { client, nonceStore, senderId, gasBump } = this.#options;
    const data = request.data ?? "0x";
    const value = request.value ?? 0n;
    const gas =
      request.gas ??
      (await this.#rpc("eth_estimateGas", request.abi, () =>
        client.estimateGas({ account: this.#wallet.account, to: request.to, data, value }),
      ));
    const fees = capFees(
      await this.#rpc("estimateFeesPerGas", undefined, () => client.estimateFeesPerGas()),
      gasBump.maxFeePerGasCap,
    );
    const pending = await this.#rpc("eth_getTransactionCount", undefined, () =>
      client.getTransactionCount({ address: this.address, blockTag: "pending" }),
    );
    const nonce = await nonceStore.reserve(senderId, pending);
    const inFlight: InFlight = {
      nonce,
      hashes: [],
      fees,
      body: { to: request.to, data, value, gas },
      abi: request.abi,
      nextBumpAt: Date.now() + this.#options.stuckAfterMs,
    };
    const hash = await this.#broadcastFirst(inFlight);
    inFlight.hashes.push(hash);
    await this.#options.onSubmitted?.({ hash, nonce, hashes: [...inFlight.hashes], replacement: false });
    return await this.#settle(inFlight);
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
        client.estimateGas({ account: this.#wallet.account, to: fallback.to, data, value }),
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
    const hash = await this.#broadcastFirst(inFlight);
    hashes.push(hash);
    await this.#options.onSubmitted?.({ hash, nonce, hashes: [...hashes], replacement: hashes.length > 1 });
    return await this.#settle(inFlight);
  }

  /** First broadcast of a nonce: transient RPC failures are retried a few times (a lost nonce leaves a gap). */
  async #broadcastFirst(inFlight: InFlight): Promise<Hash> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#broadcast(inFlight, inFlight.fees);
      } catch (raw) {
        const error = translateEvmError(raw, this.#context("eth_sendTransaction", inFlight.abi));
        if (error instanceof NonceTooLowError) {
          const mined = await this.#findMined(inFlight.hashes);
          if (mined) return mined.transactionHash;
          throw new NonceTakenError(inFlight.nonce, inFlight.hashes, this.#context("eth_sendTransaction"));
        }
        if (!error.retryable || error instanceof ReplacementUnderpricedError || attempt >= BROADCAST_ATTEMPTS) {
          throw error;
        }
        await sleep(this.#pollMs * attempt);
      }
    }
  }

  #broadcast(inFlight: InFlight, fees: Eip1559Fees): Promise<Hash> {
    return this.#wallet.sendTransaction({
      to: inFlight.body.to,
      data: inFlight.body.data,
      value: inFlight.body.value,
      gas: inFlight.body.gas,
      nonce: inFlight.nonce,
      type: "eip1559",
      ...fees,
    });
  }

  /** Waits for any hash of the nonce to be mined, bumping while stuck (see the class doc). */
  async #settle(inFlight: InFlight): Promise<SendResult> {
    const { receiptTimeoutMs, stuckAfterMs, gasBump, client } = this.#options;
    const deadline = Date.now() + receiptTimeoutMs;
    let capReported = false;
    for (;;) {
      const mined = await this.#findMined(inFlight.hashes);
      if (mined) return await this.#finish(mined, inFlight.nonce, inFlight.hashes, inFlight.abi);
      await this.#assertNonceOpen(inFlight.nonce, inFlight.hashes);
      if (Date.now() >= deadline) {
        throw new ReceiptTimeoutError(inFlight.nonce, [...inFlight.hashes], receiptTimeoutMs, this.#context("wait"));
      }
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
          const result = await this.#replace(inFlight, fees);
          if (result) return result;
        }
      }
      await sleep(this.#pollMs);
    }
  }

  /** Sends a replacement; returns a result only when "nonce too low" revealed that one of our hashes was mined. */
  async #replace(inFlight: InFlight, fees: Eip1559Fees): Promise<SendResult | undefined> {
    try {
      const hash = await this.#broadcast(inFlight, fees);
      inFlight.fees = fees;
      if (!inFlight.hashes.includes(hash)) inFlight.hashes.push(hash);
      this.#options.onEvent?.({ type: "bumped", nonce: inFlight.nonce, hash, ...fees });
      await this.#options.onSubmitted?.({
        hash,
        nonce: inFlight.nonce,
        hashes: [...inFlight.hashes],
        replacement: true,
      });
      return undefined;
    } catch (raw) {
      const error = translateEvmError(raw, this.#context("eth_sendTransaction", inFlight.abi));
      if (error instanceof NonceTooLowError) {
        // The nonce got mined between our receipt check and this send: ours, or someone else's.
        const mined = await this.#findMined(inFlight.hashes);
        if (mined) return await this.#finish(mined, inFlight.nonce, inFlight.hashes, inFlight.abi);
        throw new NonceTakenError(inFlight.nonce, [...inFlight.hashes], this.#context("eth_sendTransaction"));
      }
      if (error instanceof ReplacementUnderpricedError) {
        // Start the next bump from what the node refused, so it clears the node's own threshold.
        inFlight.fees = fees;
        this.#options.onEvent?.({ type: "replacement-rejected", nonce: inFlight.nonce, reason: error.shortMessage });
        return undefined;
      }
      if (error.retryable) {
        this.#options.onEvent?.({ type: "replacement-rejected", nonce: inFlight.nonce, reason: error.shortMessage });
        return undefined;
      }
      throw error;
    }
  }

  /** Throws {@link NonceTakenError} when the nonce is used on chain by none of `hashes`. */
  async #assertNonceOpen(nonce: number, hashes: readonly Hash[]): Promise<void> {
    const { client } = this.#options;
    const latest = await this.#rpc("eth_getTransactionCount", undefined, () =>
      client.getTransactionCount({ address: this.address, blockTag: "latest" }),
    );
    if (latest <= nonce) return;
    // Mined between the two reads? Then it is ours after all; the caller's next receipt check returns it.
    if (await this.#findMined(hashes)) return;
    throw new NonceTakenError(nonce, [...hashes], this.#context("eth_getTransactionCount"));
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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
