import type { Clock, NonceStore } from "@slabridge/core";
import { nonceItem } from "../items/nonceItem.ts";
import { checkNonce } from "../rules/checkNonce.ts";
import { systemClock } from "../systemClock.ts";

const TABLE = "Nonces";

/**
 * In-memory {@link NonceStore}: hands out max(stored next, chain pending) and stores that + 1, like the DynamoDB one;
 * `release` gives the last nonce back (next == nonce + 1 -> nonce).
 *
 * @example const nonces = new MemoryNonceStore(); await nonces.reserve("evm:31337:0xabc", 5); // 5, then 6, 7, ...
 */
export class MemoryNonceStore implements NonceStore {
  readonly #items = new Map<string, Record<string, unknown>>();
  readonly #clock: Clock;

  constructor(config: { clock?: Clock } = {}) {
    this.#clock = config.clock ?? systemClock;
  }

  async reserve(senderId: string, chainPendingNonce: number): Promise<number> {
    checkNonce(senderId, chainPendingNonce);
    const stored = this.#items.get(senderId);
    const next = stored === undefined ? undefined : nonceItem.decodeNext(TABLE, senderId, stored);
    const nonce = Math.max(next ?? 0, chainPendingNonce);
    this.#items.set(senderId, { senderId, next: nonce + 1, storedAt: this.#clock.now() });
    return nonce;
  }

  async release(senderId: string, nonce: number): Promise<boolean> {
    checkNonce(senderId, nonce);
    const stored = this.#items.get(senderId);
    if (stored === undefined || nonceItem.decodeNext(TABLE, senderId, stored) !== nonce + 1) return false;
    this.#items.set(senderId, { senderId, next: nonce, storedAt: this.#clock.now() });
    return true;
  }

  async peek(senderId: string): Promise<number | undefined> {
    const stored = this.#items.get(senderId);
    return stored === undefined ? undefined : nonceItem.decodeNext(TABLE, senderId, stored);
  }

  /**
   * Test hook: stores `item` as-is under its `senderId`, bypassing encoding.
   *
   * @example nonces.putRawItem({ senderId: "s", next: "seven" });
   */
  putRawItem(item: Record<string, unknown>): void {
    this.#items.set(String(item.senderId), structuredClone(item));
  }
}
