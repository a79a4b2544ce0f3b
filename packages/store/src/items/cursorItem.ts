import type { Cursor } from "@slabridge/core";
import { z } from "zod";
import { checkedParse } from "./checkedParse.ts";
import { fields } from "./fieldSchemas.ts";
import { parseItem } from "./parseItem.ts";
import { toStorable } from "./toStorable.ts";

/**
 * A cursor as stored: `id` renamed to the key `cursorId`, the block as a decimal string.
 *
 * @example const item: CursorItem = { cursorId: "evm:31337:escrow:0xabc", block: "10", blockHash: "0x..", version: 1 };
 */
export type CursorItem = Record<string, unknown>;

const shape = {
  cursorId: fields.text,
  block: fields.decimal,
  blockHash: fields.text,
  /** Its own attribute (a list of { block, hash } maps, blocks as decimal strings), never packed into blockHash. */
  checkpoints: z.array(z.strictObject({ block: fields.decimal, hash: fields.text })).exactOptional(),
  lastSignature: fields.text.exactOptional(),
  version: fields.count,
};

/** Checkpoints are older than the cursor block and newest first: a watcher rewinds to the first that matches. */
function checkCheckpointOrder(item: { block: bigint; checkpoints?: { block: bigint }[] }, ctx: z.RefinementCtx): void {
  let above = item.block;
  for (const [index, checkpoint] of (item.checkpoints ?? []).entries()) {
    if (checkpoint.block >= above) {
      ctx.addIssue({
        code: "custom",
        message: "must be below the cursor block and the checkpoint before it (newest first)",
        path: ["checkpoints", index, "block"],
      });
      return;
    }
    above = checkpoint.block;
  }
}
const strictSchema = z.strictObject(shape).superRefine(checkCheckpointOrder);
const looseSchema = z.object(shape).superRefine(checkCheckpointOrder);

/**
 * Converts cursors to stored items and back (shared by the memory and DynamoDB stores).
 *
 * @example const item = cursorItem.encode(cursor); cursorItem.decode("Cursors", item); // deep-equal to cursor
 */
export const cursorItem = {
  /** The item to store; throws InvalidStoreInputError when the cursor would not read back exactly. */
  encode(cursor: Cursor): CursorItem {
    const { id, ...rest } = cursor;
    const item = { cursorId: id, ...toStorable(rest) };
    checkedParse(strictSchema, item, `cursor ${id}`);
    return item;
  },
  /** The cursor a stored item holds; throws CorruptRecordError when it does not parse. */
  decode(table: string, item: unknown): Cursor {
    const key = typeof item === "object" && item !== null && "cursorId" in item ? String(item.cursorId) : "(no key)";
    const { cursorId, ...rest } = parseItem(looseSchema, table, key, item);
    return { ...rest, id: cursorId };
  },
} as const;
