import type { Cursor, CursorStore } from "@slabridge/core";
import { cursorItem } from "../items/cursorItem.ts";
import { checkCursorAdvance } from "../rules/checkCursorAdvance.ts";
import type { DynamoStoreConfig } from "./DynamoStoreConfig.ts";
import { DynamoVersionedStore } from "./DynamoVersionedStore.ts";

/**
 * {@link CursorStore} on the Cursors table: each advance is a put conditional on the version it moves from.
 *
 * @example const cursors = new DynamoCursorStore({ client, tableName }); await cursors.advance(next, current?.version);
 */
export class DynamoCursorStore extends DynamoVersionedStore<Cursor> implements CursorStore {
  constructor(config: DynamoStoreConfig) {
    super({ item: cursorItem, checkAdvance: checkCursorAdvance }, config);
  }
}
