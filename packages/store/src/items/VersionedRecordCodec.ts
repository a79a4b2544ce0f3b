/**
 * How a versioned record of the Cursors table (a watcher cursor, a vault send lease) is stored: its item codec and the
 * rule its next version must follow. The memory and DynamoDB stores of each record share one of these.
 *
 * @example const cursors: VersionedRecordCodec<Cursor> = { item: cursorItem, checkAdvance: checkCursorAdvance };
 */
export interface VersionedRecordCodec<T extends { id: string; version: number }> {
  readonly item: {
    encode(record: T): Record<string, unknown>;
    decode(table: string, item: unknown): T;
  };
  /** Throws a typed error when `next` is not a legal move from `expectedVersion` (nothing is written then). */
  checkAdvance(next: T, expectedVersion: number | undefined): void;
}
