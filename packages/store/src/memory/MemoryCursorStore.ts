import type { Clock, Cursor, CursorStore } from "@slabridge/core";
import { cursorItem } from "../items/cursorItem.ts";
import { checkCursorAdvance } from "../rules/checkCursorAdvance.ts";
import { MemoryVersionedStore } from "./MemoryVersionedStore.ts";

/**
 * In-memory {@link CursorStore} with the DynamoDB store's semantics (version-conditional advance).
 *
 * @example const cursors = new MemoryCursorStore(); await cursors.advance({ ...cursor, version: 1 }, undefined);
 */
export class MemoryCursorStore extends MemoryVersionedStore<Cursor> implements CursorStore {
  constructor(config: { clock?: Clock } = {}) {
    super({ item: cursorItem, checkAdvance: checkCursorAdvance }, config);
  }
}
