import { type SampleRecord, sampleIdOf } from "@slabridge/core";
import { z } from "zod";
import { CorruptRecordError } from "../errors/CorruptRecordError.ts";
import { checkedParse } from "../items/checkedParse.ts";
import { fields } from "../items/fieldSchemas.ts";
import { parseItem } from "../items/parseItem.ts";
import { toStorable } from "../items/toStorable.ts";

/**
 * A sample as stored: keys `sampleKey` (`<modelId>#<epoch>`) + `sampleId` (`<vantage>#<roundId>#<modelId>`),
 * bigints as decimal strings.
 *
 * @example const item: SampleItem = sampleItem.encode(sample); // { sampleKey: "2#41", sampleId: "local-1#1700000000000#2", ... }
 */
export type SampleItem = Record<string, unknown>;

const idPart = z.string().regex(/^[^#]+$/, "must be non-empty and contain no '#'");
const shape = {
  sampleKey: fields.text,
  sampleId: fields.text,
  modelId: fields.decimal,
  epoch: fields.decimal,
  vantage: idPart,
  roundId: idPart,
  startedAt: fields.timestamp,
  rttMs: z.number().finite().nonnegative(),
  ok: z.boolean(),
  outcome: fields.text,
  status: z.number().int().min(100).max(599).optional(),
  signature: fields.hex.optional(),
};
const strictSchema = z.strictObject(shape);
const looseSchema = z.object(shape);

function keyOf(item: unknown): string {
  if (typeof item !== "object" || item === null) return "(no key)";
  const { sampleKey, sampleId } = item as { sampleKey?: unknown; sampleId?: unknown };
  return `${String(sampleKey)}/${String(sampleId)}`;
}

/**
 * Converts samples to stored items and back (shared by the memory and DynamoDB sample stores).
 *
 * @example const item = sampleItem.encode(s); sampleItem.sampleKey(2n, 41n) // "2#41"
 */
export const sampleItem = {
  /** The partition key of one (model, epoch). */
  sampleKey(modelId: bigint, epoch: bigint): string {
    return `${modelId}#${epoch}`;
  },
  /** The item to store; throws InvalidStoreInputError when the sample would not read back exactly. */
  encode(sample: SampleRecord): SampleItem {
    const sampleKey = sampleItem.sampleKey(sample.modelId, sample.epoch);
    const item = { sampleKey, sampleId: sampleIdOf(sample), ...toStorable(sample) };
    checkedParse(strictSchema, item, `sample ${sampleKey}/${item.sampleId}`);
    return item;
  },
  /** The sample a stored item holds; throws CorruptRecordError when it does not parse or its keys disagree. */
  decode(table: string, item: unknown): SampleRecord {
    const key = keyOf(item);
    const { sampleKey, sampleId, status, signature, ...sample } = parseItem(looseSchema, table, key, item);
    if (sampleKey !== sampleItem.sampleKey(sample.modelId, sample.epoch)) {
      throw new CorruptRecordError(table, key, "sampleKey", "does not match modelId#epoch");
    }
    if (sampleId !== sampleIdOf(sample)) {
      throw new CorruptRecordError(table, key, "sampleId", "does not match vantage#roundId#modelId");
    }
    return {
      ...sample,
      ...(status === undefined ? {} : { status }),
      ...(signature === undefined ? {} : { signature }),
    };
  },
} as const;
