import type { Cursor, CursorStore } from "@slabridge/core";

/**
 * An in-memory `CursorStore` for tests, with the port's conditional-advance semantics. (The real memory and
 * DynamoDB stores live in `@slabridge/store`; this package depends only on the port.)
 *
 * @example const store = new FakeCursorStore(); await store.advance(next, undefined);
 */
export class FakeCursorStore implements CursorStore {
  private readonly cursors = new Map<string, Cursor>();
  /** Every successful advance, in order (tests assert on it). */
  readonly history: Cursor[] = [];

  async get(id: string): Promise<Cursor | undefined> {
    const cursor = this.cursors.get(id);
    return cursor === undefined ? undefined : { ...cursor };
  }

  async advance(next: Cursor, expectedVersion: number | undefined): Promise<boolean> {
    if (this.cursors.get(next.id)?.version !== expectedVersion) return false;
    this.cursors.set(next.id, { ...next });
    this.history.push({ ...next });
    return true;
  }
}
