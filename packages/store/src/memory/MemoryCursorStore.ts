import type { Clock, Cursor, CursorStore } from "@slabridge/core";
import { type CursorItem, cursorItem } from "../items/cursorItem.ts";
import { checkCursorAdvance } from "../rules/checkCursorAdvance.ts";
import { systemClock } from "../systemClock.ts";

const TABLE = "Cursors";

/**
 * In-memory {@link CursorStore} with the DynamoDB store's semantics (version-conditional advance).
 *
 * @example const cursors = new MemoryCursorStore(); await cursors.advance({ ...cursor, version: 1 }, undefined);
 */
export class MemoryCursorStore implements CursorStore {
  readonly #items = new Map<string, CursorItem>();
  readonly #clock: Clock;

  constructor(config: { clock?: Clock } = {}) {
    this.#clock = config.clock ?? systemClock;
  }

  async get(id: string): Promise<Cursor | undefined> {
    const item = this.#items.get(id);
    return item === undefined ? undefined : cursorItem.decode(TABLE, structuredClone(item));
  }

  async advance(next: Cursor, expectedVersion: number | undefined): Promise<boolean> {
    checkCursorAdvance(next, expectedVersion);
    const item = cursorItem.encode(next);
    const stored = this.#items.get(next.id);
    const matches = expectedVersion === undefined ? stored === undefined : stored?.version === expectedVersion;
    if (!matches) return false;
    this.#items.set(next.id, { ...item, storedAt: this.#clock.now() });
    return true;
  }

  /**
   * Test hook: stores `item` as-is under its `cursorId`, bypassing encoding.
   *
   * @example cursors.putRawItem({ cursorId: "c", block: "not a number", version: 1 });
   */
  putRawItem(item: Record<string, unknown>): void {
    this.#items.set(String(item.cursorId), structuredClone(item));
  }
}
