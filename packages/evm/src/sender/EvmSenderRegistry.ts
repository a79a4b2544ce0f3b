import type { NonceStore } from "@slabridge/core";
import { parseGwei } from "viem";
import { rpcUrlOf } from "../createEvmChainClient.ts";
import { EvmSender, type EvmSenderOptions, evmSenderId } from "./EvmSender.ts";

/** What {@link EvmSenderRegistry.sender} needs: the sender's options without the id (derived from chain and key). */
export type EvmSenderRequest = Omit<EvmSenderOptions, "senderId" | "gasBump" | "stuckAfterMs" | "receiptTimeoutMs"> &
  Partial<Pick<EvmSenderOptions, "gasBump" | "stuckAfterMs" | "receiptTimeoutMs">>;

/** The fees and timeouts every world's senders use unless told otherwise. */
export const DEFAULT_EVM_SENDER_SETTINGS = {
  gasBump: { factor: 1.125, maxFeePerGasCap: parseGwei("500") },
  stuckAfterMs: 30_000,
  receiptTimeoutMs: 120_000,
} as const;

/**
 * One {@link EvmSender} per (nonce store, RPC endpoint, chain, key) in a process. A sender broadcasts in nonce order
 * and runs its stall check only over its own sends, so two senders of one key in one process (the relay, netting and
 * measuring worlds each asking for the executor) would broadcast out of order and could fill each other's nonces;
 * every world asks this registry instead and gets the same instance. The first request's options (client, fees,
 * timeouts, sender-wide hooks) make the sender; later requests for the same key get it as it is, so per-call
 * recording goes through `send`'s own hooks, not `onSubmitted` here.
 *
 * @example
 * ```ts
 * const executor = processEvmSenders.sender({ client, account: executorAddress, nonceStore: stores.nonces });
 * processEvmSenders.sender({ client: otherClientSameUrl, account: executorAddress, nonceStore: stores.nonces }) === executor; // true
 * ```
 */
export class EvmSenderRegistry {
  /** Per nonce store (a store, not its table, is what one process shares), senders by endpoint and sender id. */
  readonly #byStore = new WeakMap<NonceStore, Map<string, EvmSender>>();
  #count = 0;

  /** The sender of `request.account` on the client's chain, made on first request. */
  sender(request: EvmSenderRequest): EvmSender {
    const address = typeof request.account === "string" ? request.account : request.account.address;
    const senderId = evmSenderId(request.client.chain.id, address);
    // The endpoint is part of the key: tests run several nodes of one chain id in one process.
    const key = `${rpcUrlOf(request.client) ?? ""} ${senderId}`;
    let senders = this.#byStore.get(request.nonceStore);
    if (!senders) {
      senders = new Map();
      this.#byStore.set(request.nonceStore, senders);
    }
    const found = senders.get(key);
    if (found) return found;
    const made = new EvmSender({ ...DEFAULT_EVM_SENDER_SETTINGS, ...request, senderId });
    senders.set(key, made);
    this.#count++;
    return made;
  }

  /** How many senders it made (diagnostics and tests). */
  get size(): number {
    return this.#count;
  }
}

/**
 * The process's registry: what `createEvmChain` and the functions' worlds use unless given their own.
 *
 * @example const sender = processEvmSenders.sender({ client, account, nonceStore });
 */
export const processEvmSenders = new EvmSenderRegistry();
