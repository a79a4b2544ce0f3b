import type { SendLease } from "@slabridge/core";
import { z } from "zod";
import { checkedParse } from "./checkedParse.ts";
import { fields } from "./fieldSchemas.ts";
import { parseItem } from "./parseItem.ts";

/**
 * A send lease as stored: in the Cursors table (its key attribute is `cursorId`), marked `record: "send-lease"` so
 * a reader of the table tells it from a watcher cursor, with its state and signature as attributes of their own.
 *
 * @example const item: SendLeaseItem = { cursorId: "solana:vault-send:2:41", record: "send-lease", state: "sent", signature: "5x..", takenAt: 1, version: 3 };
 */
export type SendLeaseItem = Record<string, unknown>;

const base = {
  cursorId: fields.text,
  record: z.literal("send-lease"),
  takenAt: fields.timestamp,
  version: fields.count,
};
const options = (object: typeof z.object | typeof z.strictObject) =>
  [
    object({ ...base, state: z.literal("idle") }),
    object({ ...base, state: z.literal("sending") }),
    object({
      ...base,
      state: z.literal("sent"),
      signature: fields.text,
      lastValidBlockHeight: fields.count.optional(),
    }),
  ] as const;
const strictSchema = z.discriminatedUnion("state", options(z.strictObject));
const looseSchema = z.discriminatedUnion("state", options(z.object));

/**
 * Converts send leases to stored items and back (shared by the memory and DynamoDB lease stores): a signature (and the
 * height until which its transaction can land, when known) only, and always, on a `sent` lease.
 *
 * @example const item = sendLeaseItem.encode(lease); sendLeaseItem.decode("Cursors", item); // deep-equal to lease
 */
export const sendLeaseItem = {
  /** The item to store; throws InvalidStoreInputError when the lease would not read back exactly. */
  encode(lease: SendLease): SendLeaseItem {
    const { id, ...rest } = lease;
    const item = { cursorId: id, record: "send-lease", ...rest };
    checkedParse(strictSchema, item, `send lease ${id}`);
    return item;
  },
  /** The lease a stored item holds; throws CorruptRecordError when it does not parse. */
  decode(table: string, item: unknown): SendLease {
    const key = typeof item === "object" && item !== null && "cursorId" in item ? String(item.cursorId) : "(no key)";
    const parsed = parseItem(looseSchema, table, key, item);
    const { cursorId: id, takenAt, version } = parsed;
    if (parsed.state !== "sent") return { id, state: parsed.state, takenAt, version };
    const { signature, lastValidBlockHeight } = parsed;
    return {
      id,
      state: parsed.state,
      signature,
      ...(lastValidBlockHeight === undefined ? {} : { lastValidBlockHeight }),
      takenAt,
      version,
    };
  },
} as const;
