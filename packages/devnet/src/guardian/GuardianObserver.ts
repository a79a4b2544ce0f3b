import { hexToBytes, pad } from "viem";
import type { WormholeLogSource } from "./createViemLogSource.ts";
import { devnetVaaSigner } from "./devnetVaaSigner.ts";
import { GuardianError } from "./GuardianError.ts";
import type { VaaSigner } from "./VaaBody.ts";
import type { VaaId, VaaStore } from "./VaaStore.ts";

/** One EVM chain the guardian watches. */
export interface ObservedChain {
  /** Wormhole chain id of the chain (its core's chainId()). */
  readonly wormholeChainId: number;
  readonly source: WormholeLogSource;
  /** First block to scan; default 0 (a devnet chain is short, and nothing is missed). */
  readonly fromBlock?: bigint;
}

/** Options for {@link GuardianObserver}. */
export interface GuardianObserverOptions {
  readonly chains: readonly ObservedChain[];
  readonly store: VaaStore;
  /** Default: the devnet guardian (set 0). */
  readonly signVaa?: VaaSigner;
  /** Delay between polls after start(); default 200 ms. */
  readonly pollIntervalMs?: number;
  /** Most blocks per getLogs call; default 1000. */
  readonly maxBlockRange?: bigint;
  /** Called with each poll error (the chain is retried on the next poll). Default: ignore. */
  readonly onError?: (error: GuardianError) => void;
  /** Called for each newly stored VAA. */
  readonly onVaa?: (id: VaaId, vaaBytes: Uint8Array) => void;
}

/**
 * The devnet guardian's eyes: polls each chain's Wormhole core for LogMessagePublished from a block cursor, signs a
 * VAA per message (emitter = sender left-padded to 32 bytes) and files it in the store. Devnet chains do not
 * reorg, so a block is final once seen and consistency levels are not waited on.
 *
 * @example
 * const observer = new GuardianObserver({ chains: [{ wormholeChainId: 10002, source }], store }); observer.start();
 */
export class GuardianObserver {
  readonly #options: GuardianObserverOptions;
  readonly #cursors = new Map<number, bigint>();
  #polling: Promise<number> = Promise.resolve(0);
  #timer: NodeJS.Timeout | undefined;
  #running = false;

  constructor(options: GuardianObserverOptions) {
    const ids = options.chains.map((chain) => chain.wormholeChainId);
    if (new Set(ids).size !== ids.length)
      throw new GuardianError("invalid-message", "a Wormhole chain is listed twice");
    this.#options = options;
    for (const chain of options.chains) this.#cursors.set(chain.wormholeChainId, chain.fromBlock ?? 0n);
  }

  /** The next block to scan on a chain. */
  cursor(wormholeChainId: number): bigint | undefined {
    return this.#cursors.get(wormholeChainId);
  }

  /** Scans every chain up to its head once; resolves the number of new VAAs. Calls never overlap. */
  pollOnce(): Promise<number> {
    const next = this.#polling.then(() => this.#pollAll());
    this.#polling = next.catch(() => 0);
    return next;
  }

  /** Polls every pollIntervalMs until stop(). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    const loop = (): void => {
      this.pollOnce()
        .catch(() => 0) // per-chain errors already went to onError; nothing else throws
        .finally(() => {
          if (this.#running) this.#timer = setTimeout(loop, this.#options.pollIntervalMs ?? 200);
        });
    };
    loop();
  }

  /** Stops polling and waits for an in-flight poll to finish. */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#polling;
  }

  async #pollAll(): Promise<number> {
    // Counted as they are filed, so VAAs stored before a mid-range failure still count.
    const counter = { stored: 0 };
    for (const chain of this.#options.chains) {
      try {
        await this.#pollChain(chain, counter);
      } catch (error) {
        this.#options.onError?.(GuardianError.wrap("rpc-failed", `observing chain ${chain.wormholeChainId}`, error));
      }
    }
    return counter.stored;
  }

  async #pollChain(chain: ObservedChain, counter: { stored: number }): Promise<void> {
    const { store } = this.#options;
    const signVaa = this.#options.signVaa ?? devnetVaaSigner;
    const range = this.#options.maxBlockRange ?? 1000n;
    const head = await chain.source.latestBlock();
    let from = this.#cursors.get(chain.wormholeChainId) ?? 0n;
    while (from <= head) {
      const to = from + range - 1n < head ? from + range - 1n : head;
      const messages = [...(await chain.source.messages(from, to))].sort((a, b) =>
        a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1,
      );
      for (const message of messages) {
        const vaaBytes = await signVaa({
          emitterChain: chain.wormholeChainId,
          emitterAddress: hexToBytes(pad(message.sender, { size: 32 })),
          sequence: message.sequence,
          nonce: message.nonce,
          consistencyLevel: message.consistencyLevel,
          timestamp: message.timestamp,
          payload: hexToBytes(message.payload),
        });
        // A failure mid-range leaves the cursor at `from`; re-signing is deterministic, so the store sees a no-op.
        const { id, stored: isNew } = store.put(vaaBytes);
        if (isNew) {
          counter.stored++;
          this.#options.onVaa?.(id, vaaBytes);
        }
      }
      from = to + 1n;
      this.#cursors.set(chain.wormholeChainId, from);
    }
  }
}
