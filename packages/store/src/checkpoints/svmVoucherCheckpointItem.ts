import type { SvmVoucherCheckpoint } from "@slabridge/core";
import { z } from "zod";
import { CorruptRecordError } from "../errors/CorruptRecordError.ts";
import { InvalidStoreInputError } from "../errors/InvalidStoreInputError.ts";
import { checkedParse } from "../items/checkedParse.ts";
import { fields } from "../items/fieldSchemas.ts";
import { parseItem } from "../items/parseItem.ts";

/** DynamoDB numbers keep 38 significant digits; a longer one would be rounded, which a claim amount must never be. */
const MAX_NUMBER_DIGITS = 38;

const lowerHex = (bytes: number) =>
  z.custom<string>(
    (value) => typeof value === "string" && new RegExp(`^[0-9a-f]{${bytes * 2}}$`).test(value),
    `expected ${bytes} bytes as lowercase hex`,
  );
const base58Key = z.string().regex(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/, "expected a base58 public key");
/** What the document client gives back for a DynamoDB number: a JS number, or a bigint past 2^53. */
const storedNumber = z
  .union([z.number().int().nonnegative(), z.bigint().nonnegative()])
  .transform((value) => BigInt(value));

const shape = {
  epochKey: fields.text,
  channelId: lowerHex(32),
  chainId: z.number().int().positive(),
  modelId: fields.decimal,
  epoch: fields.decimal,
  payer: base58Key,
  tokenAccount: base58Key,
  salt: lowerHex(32),
  signedCumulative: fields.decimal,
  signature: lowerHex(64),
  totalClaimed: storedNumber,
  updatedAt: fields.timestamp,
};
const writeSchema = z.strictObject(shape);
const readSchema = z.object(shape);

function keyOf(item: unknown): string {
  if (typeof item !== "object" || item === null) return "(no key)";
  return `${String(Reflect.get(item, "epochKey"))}/${String(Reflect.get(item, "channelId"))}`;
}

/**
 * Converts Solana voucher checkpoints to items of the VoucherCheckpoints table and back. They share the EVM
 * checkpoints' table: the partition `<chainId>#model:<modelId>#<epoch>` never equals an EVM one (`#0x<receiver>#`),
 * and the range key is the channel id as 64 lowercase hex.
 *
 * @example svmVoucherCheckpointItem.epochKey(9001, 2n, 41n) // "9001#model:2#41"
 */
export const svmVoucherCheckpointItem = {
  /** The partition key of one (chain, model, epoch). */
  epochKey(chainId: number, modelId: bigint, epoch: bigint): string {
    return `${chainId}#model:${modelId}#${epoch}`;
  },
  /** The item to store; throws InvalidStoreInputError when it would not read back exactly. */
  encode(checkpoint: SvmVoucherCheckpoint): Record<string, unknown> {
    const item = {
      epochKey: svmVoucherCheckpointItem.epochKey(checkpoint.chainId, checkpoint.modelId, checkpoint.epoch),
      channelId: checkpoint.channelId.toLowerCase(),
      chainId: checkpoint.chainId,
      modelId: checkpoint.modelId.toString(),
      epoch: checkpoint.epoch.toString(),
      payer: checkpoint.payer,
      tokenAccount: checkpoint.tokenAccount,
      salt: checkpoint.salt.toLowerCase(),
      signedCumulative: checkpoint.signedCumulative.toString(),
      signature: checkpoint.signature.toLowerCase(),
      totalClaimed: checkpoint.totalClaimed,
      updatedAt: checkpoint.updatedAt,
    };
    const what = `SVM voucher checkpoint ${item.epochKey}/${item.channelId}`;
    checkedParse(writeSchema, item, what);
    if (checkpoint.totalClaimed.toString().length > MAX_NUMBER_DIGITS) {
      throw new InvalidStoreInputError(
        `${what} cannot be stored: totalClaimed has more than ${MAX_NUMBER_DIGITS} digits (a DynamoDB number would round it)`,
      );
    }
    return item;
  },
  /** The checkpoint a stored item holds; throws CorruptRecordError when it does not parse or its keys disagree. */
  decode(table: string, item: unknown): SvmVoucherCheckpoint {
    const key = keyOf(item);
    const { epochKey, ...checkpoint } = parseItem(readSchema, table, key, item);
    if (epochKey !== svmVoucherCheckpointItem.epochKey(checkpoint.chainId, checkpoint.modelId, checkpoint.epoch)) {
      throw new CorruptRecordError(table, key, "epochKey", "does not match chainId#model:modelId#epoch");
    }
    return checkpoint;
  },
} as const;
