import { z } from "zod";
import { fields } from "./fieldSchemas.ts";
import { parseItem } from "./parseItem.ts";

const nonceItemSchema = z.object({ senderId: fields.text, next: fields.count });

/**
 * Reads a stored nonce item: `{ senderId, next }`, `next` being the next nonce the store hands out.
 *
 * @example nonceItem.decodeNext("Nonces", "evm:31337:0xabc", { senderId: "evm:31337:0xabc", next: 7 }) // 7
 */
export const nonceItem = {
  decodeNext(table: string, senderId: string, item: unknown): number {
    return parseItem(nonceItemSchema, table, senderId, item).next;
  },
} as const;
