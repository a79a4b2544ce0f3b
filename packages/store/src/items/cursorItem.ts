import type { Cursor } from "@slabridge/core";
import { z } from "zod";
import { InvalidStoreInputError } from "../errors/InvalidStoreInputError.ts";
import { fields } from "./fieldSchemas.ts";
import { parseItem } from "./parseItem.ts";

/** A cursor as stored: `id` renamed to the key `cursorId`, the block as a decimal string. */
export type CursorItem = Record<string, unknown>;

const cursorItemSchema = z.object({
  cursorId: fields.text,
  block: fields.decimal,
  blockHash: fields.text,
  lastSignature: fields.text.exactOptional(),
  version: fields.count,
});

function toRawItem(cursor: Cursor): CursorItem {
  const item: CursorItem = {
    cursorId: cursor.id,
    block: cursor.block.toString(),
    blockHash: cursor.blockHash,
    version: cursor.version,
  };
  if (cursor.lastSignature !== undefined) item.lastSignature = cursor.lastSignature;
  return item;
}

/**
 * Converts cursors to stored items and back (shared by the memory and DynamoDB stores).
 *
 * @example const item = cursorItem.encode(cursor); cursorItem.decode("Cursors", item); // deep-equal to cursor
 */
export const cursorItem = {
  /** The item to store; throws {@link InvalidStoreInputError} when the cursor would not read back. */
  encode(cursor: Cursor): CursorItem {
    const item = toRawItem(cursor);
    const parsed = cursorItemSchema.safeParse(item);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new InvalidStoreInputError(
        `cursor ${cursor.id} cannot be stored: ${issue?.path.map(String).join(".") ?? ""} ${issue?.message ?? ""}`,
      );
    }
    return item;
  },
  /** The cursor a stored item holds; throws CorruptRecordError when it does not parse. */
  decode(table: string, item: unknown): Cursor {
    const key = typeof item === "object" && item !== null && "cursorId" in item ? String(item.cursorId) : "(no key)";
    const { cursorId, lastSignature, ...rest } = parseItem(cursorItemSchema, table, key, item);
    return lastSignature === undefined ? { id: cursorId, ...rest } : { id: cursorId, ...rest, lastSignature };
  },
} as const;
