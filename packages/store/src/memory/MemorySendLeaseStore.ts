import type { Clock, SendLease, SendLeaseStore } from "@slabridge/core";
import { type SendLeaseItem, sendLeaseItem } from "../items/sendLeaseItem.ts";
import { checkLeaseAdvance } from "../rules/checkLeaseAdvance.ts";
import { systemClock } from "../systemClock.ts";

const TABLE = "Cursors";

/**
 * In-memory {@link SendLeaseStore} with the DynamoDB store's semantics (version-conditional advance, same items).
 *
 * @example const leases = new MemorySendLeaseStore(); await leases.advance({ id, state: "sending", takenAt: 1, version: 1 }, undefined);
 */
export class MemorySendLeaseStore implements SendLeaseStore {
  readonly #items = new Map<string, SendLeaseItem>();
  readonly #clock: Clock;

  constructor(config: { clock?: Clock } = {}) {
    this.#clock = config.clock ?? systemClock;
  }

  async get(id: string): Promise<SendLease | undefined> {
    const item = this.#items.get(id);
    return item === undefined ? undefined : sendLeaseItem.decode(TABLE, structuredClone(item));
  }

  async advance(next: SendLease, expectedVersion: number | undefined): Promise<boolean> {
    checkLeaseAdvance(next, expectedVersion);
    const item = sendLeaseItem.encode(next);
    const stored = this.#items.get(next.id);
    const matches = expectedVersion === undefined ? stored === undefined : stored?.version === expectedVersion;
    if (!matches) return false;
    this.#items.set(next.id, { ...item, storedAt: this.#clock.now() });
    return true;
  }

  /**
   * Test hook: stores `item` as-is under its `cursorId`, bypassing encoding.
   *
   * @example leases.putRawItem({ cursorId: "l", record: "send-lease", state: "sent", takenAt: 1, version: 1 });
   */
  putRawItem(item: Record<string, unknown>): void {
    this.#items.set(String(item.cursorId), structuredClone(item));
  }
}
