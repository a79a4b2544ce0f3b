import type { PaymentRecord } from "@slabridge/core";
import { z } from "zod";
import { CorruptRecordError } from "../errors/CorruptRecordError.ts";
import { checkedParse } from "./checkedParse.ts";
import { fields } from "./fieldSchemas.ts";
import { parseItem } from "./parseItem.ts";
import { toStorable } from "./toStorable.ts";

/**
 * A payment as stored: keys `epochKey` + `paymentId`, bigints as decimal strings.
 *
 * @example const item: PaymentItem = paymentItem.encode(payment); // { epochKey: "31337:1:42", amount: "1000000", ... }
 */
export type PaymentItem = Record<string, unknown>;

const shape = {
  epochKey: fields.text,
  paymentId: fields.text,
  chainId: fields.count,
  modelId: fields.decimal,
  epoch: fields.decimal,
  buyer: fields.text,
  amount: fields.decimal,
  transaction: fields.text,
  block: fields.decimal,
  blockHash: fields.text,
  observedAt: fields.timestamp,
};
const strictSchema = z.strictObject(shape);
const looseSchema = z.object(shape);

/**
 * The fields compared when the same key is recorded twice: everything that describes the payment. Not `observedAt`:
 * two watchers seeing one payment at different times is the same payment (the first observation is kept).
 */
const CONTENT_FIELDS = ["chainId", "modelId", "epoch", "buyer", "amount", "transaction", "block", "blockHash"] as const;

function keyOf(item: unknown): string {
  if (typeof item !== "object" || item === null) return "(no key)";
  const { epochKey, paymentId } = item as { epochKey?: unknown; paymentId?: unknown };
  return `${String(epochKey)}/${String(paymentId)}`;
}

/**
 * Converts payments to stored items and back, and finds how two items of one key differ (shared by the memory and
 * DynamoDB stores).
 *
 * @example const item = paymentItem.encode(p); paymentItem.epochKey(31337, 1n, 42n) // "31337:1:42"
 */
export const paymentItem = {
  /** The partition key of one (chain, model, epoch). */
  epochKey(chainId: number, modelId: bigint, epoch: bigint): string {
    return `${chainId}:${modelId}:${epoch}`;
  },
  /** The item to store; throws InvalidStoreInputError when the payment would not read back exactly. */
  encode(payment: PaymentRecord): PaymentItem {
    const epochKey = paymentItem.epochKey(payment.chainId, payment.modelId, payment.epoch);
    const item = { epochKey, ...toStorable(payment) };
    checkedParse(strictSchema, item, `payment ${epochKey}/${payment.paymentId}`);
    return item;
  },
  /** The payment a stored item holds; throws CorruptRecordError when it does not parse or its key disagrees. */
  decode(table: string, item: unknown): PaymentRecord {
    const key = keyOf(item);
    const { epochKey, ...payment } = parseItem(looseSchema, table, key, item);
    if (epochKey !== paymentItem.epochKey(payment.chainId, payment.modelId, payment.epoch)) {
      throw new CorruptRecordError(table, key, "epochKey", "does not match chainId:modelId:epoch");
    }
    return payment;
  },
  /** The first content field where two items of the same key differ, or undefined when they hold the same payment. */
  differingField(stored: PaymentItem, incoming: PaymentItem): string | undefined {
    return CONTENT_FIELDS.find((name) => stored[name] !== incoming[name]);
  },
} as const;
