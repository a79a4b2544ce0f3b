import type { Clock } from "@slabridge/core";
import type { VersionedRecordCodec } from "../items/VersionedRecordCodec.ts";
import { systemClock } from "../systemClock.ts";

const TABLE = "Cursors";

/**
 * In-memory store of one kind of versioned record with the DynamoDB store's semantics (the same items, an advance
 * conditional on the version it moves from). `MemoryCursorStore` and `MemorySendLeaseStore` are this with a codec.
 *
 * @example class MemoryCursorStore extends MemoryVersionedStore<Cursor> { constructor() { super(cursorCodec); } }
 */
export class MemoryVersionedStore<T extends { id: string; version: number }> {
  readonly #items = new Map<string, Record<string, unknown>>();
  readonly #clock: Clock;
  readonly #codec: VersionedRecordCodec<T>;

  constructor(codec: VersionedRecordCodec<T>, config: { clock?: Clock } = {}) {
    this.#codec = codec;
    this.#clock = config.clock ?? systemClock;
  }

  async get(id: string): Promise<T | undefined> {
    const item = this.#items.get(id);
    return item === undefined ? undefined : this.#codec.item.decode(TABLE, structuredClone(item));
  }

  async advance(next: T, expectedVersion: number | undefined): Promise<boolean> {
    this.#codec.checkAdvance(next, expectedVersion);
    const item = this.#codec.item.encode(next);
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
