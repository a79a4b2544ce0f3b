import type { SignedUsageReceipt } from "@slabridge/core";
import { z } from "zod";
import { CorruptRecordError } from "../errors/CorruptRecordError.ts";
import { checkedParse } from "../items/checkedParse.ts";
import { fields } from "../items/fieldSchemas.ts";
import { parseItem } from "../items/parseItem.ts";

const bytes32 = z.custom<`0x${string}`>(
  (value) => typeof value === "string" && /^0x[0-9a-f]{64}$/.test(value),
  "expected lowercase 0x-prefixed 32 bytes",
);
const signature = z.custom<`0x${string}`>(
  (value) => typeof value === "string" && /^0x[0-9a-f]{130}$/.test(value),
  "expected a lowercase 65-byte signature",
);
const ms = z.number().int().nonnegative();

const receipt = z.strictObject({
  requestHash: bytes32,
  model: z.string(),
  modelId: fields.decimal,
  epoch: fields.decimal,
  channelId: bytes32,
  payer: bytes32,
  inputTokens: fields.decimal,
  outputTokens: fields.decimal,
  served: z.boolean(),
  charge: fields.decimal,
  cumulative: fields.decimal,
  ttfbMs: ms,
  latencyMs: ms,
  startedAt: fields.decimal,
  finishedAt: fields.decimal,
});
const shape = { epochKey: fields.text, receiptId: signature, chainId: z.number().int().nonnegative(), receipt };
const writeSchema = z.strictObject(shape);
const readSchema = z.object(shape);

function keyOf(item: unknown): string {
  if (typeof item !== "object" || item === null) return "(no key)";
  const { epochKey, receiptId } = item as { epochKey?: unknown; receiptId?: unknown };
  return `${String(epochKey)}/${String(receiptId)}`;
}

const decimal = (value: bigint) => value.toString();

/**
 * Converts signed usage receipts to items of the UsageReceipts table and back: partition `<modelId>#<epoch>`, range
 * key the signature (lowercase), bigints as decimal strings.
 *
 * @example const item = usageReceiptItem.encode(signed); usageReceiptItem.epochKey(2n, 7n) // "2#7"
 */
export const usageReceiptItem = {
  epochKey(modelId: bigint, epoch: bigint): string {
    return `${modelId}#${epoch}`;
  },
  /** The item to store; throws InvalidStoreInputError when it would not read back exactly. */
  encode(signed: SignedUsageReceipt): Record<string, unknown> {
    const r = signed.receipt;
    const item = {
      epochKey: usageReceiptItem.epochKey(r.modelId, r.epoch),
      receiptId: signed.signature.toLowerCase(),
      chainId: signed.chainId,
      receipt: {
        requestHash: r.requestHash.toLowerCase(),
        model: r.model,
        modelId: decimal(r.modelId),
        epoch: decimal(r.epoch),
        channelId: r.channelId.toLowerCase(),
        payer: r.payer.toLowerCase(),
        inputTokens: decimal(r.inputTokens),
        outputTokens: decimal(r.outputTokens),
        served: r.served,
        charge: decimal(r.charge),
        cumulative: decimal(r.cumulative),
        ttfbMs: r.ttfbMs,
        latencyMs: r.latencyMs,
        startedAt: decimal(r.startedAt),
        finishedAt: decimal(r.finishedAt),
      },
    };
    checkedParse(writeSchema, item, `usage receipt ${item.epochKey}/${item.receiptId}`);
    return item;
  },
  /** The receipt a stored item holds; throws CorruptRecordError when it does not parse or its keys disagree. */
  decode(table: string, item: unknown): SignedUsageReceipt {
    const key = keyOf(item);
    const { epochKey, receiptId, chainId, receipt: r } = parseItem(readSchema, table, key, item);
    if (epochKey !== usageReceiptItem.epochKey(r.modelId, r.epoch)) {
      throw new CorruptRecordError(table, key, "epochKey", "does not match modelId#epoch");
    }
    return { chainId, receipt: r, signature: receiptId };
  },
} as const;
