import type { VoucherCheckpoint } from "@slabridge/core";
import { z } from "zod";
import { CorruptRecordError } from "../errors/CorruptRecordError.ts";
import { InvalidStoreInputError } from "../errors/InvalidStoreInputError.ts";
import { checkedParse } from "../items/checkedParse.ts";
import { fields } from "../items/fieldSchemas.ts";
import { parseItem } from "../items/parseItem.ts";

/** DynamoDB numbers keep 38 significant digits; a longer one would be rounded, which a claim amount must never be. */
const MAX_NUMBER_DIGITS = 38;

const lowerAddress = z.custom<`0x${string}`>(
  (value) => typeof value === "string" && /^0x[0-9a-f]{40}$/.test(value),
  "expected a lowercase 0x address",
);
const address = z.custom<`0x${string}`>(
  (value) => typeof value === "string" && /^0x[0-9a-fA-F]{40}$/.test(value),
  "expected a 0x address",
);
const bytes32 = z.custom<`0x${string}`>(
  (value) => typeof value === "string" && /^0x[0-9a-fA-F]{64}$/.test(value),
  "expected 0x-prefixed 32 bytes",
);
const lowerBytes32 = z.custom<`0x${string}`>(
  (value) => typeof value === "string" && /^0x[0-9a-f]{64}$/.test(value),
  "expected lowercase 0x-prefixed 32 bytes",
);
const hexString = z.custom<`0x${string}`>(
  (value) => typeof value === "string" && /^0x(?:[0-9a-fA-F]{2})+$/.test(value),
  "expected 0x-prefixed hex bytes",
);
const channelConfig = z.strictObject({
  payer: address,
  payerAuthorizer: address,
  receiver: address,
  receiverAuthorizer: address,
  token: address,
  withdrawDelay: z.number().int().nonnegative(),
  salt: bytes32,
});
/** What the document client gives back for a DynamoDB number: a JS number, or a bigint past 2^53. */
const storedNumber = z
  .union([z.number().int().nonnegative(), z.bigint().nonnegative()])
  .transform((value) => BigInt(value));

const shape = {
  epochKey: fields.text,
  channelId: lowerBytes32,
  chainId: z.number().int().positive(),
  receiver: lowerAddress,
  modelId: fields.decimal,
  epoch: fields.decimal,
  channel: channelConfig,
  maxClaimableAmount: fields.decimal,
  signature: hexString,
  totalClaimed: storedNumber,
  updatedAt: fields.timestamp,
};
const writeSchema = z.strictObject(shape);
const readSchema = z.object(shape);

/** A checkpoint as stored: bigints as decimal strings, except `totalClaimed`, a number for the conditional write. */
export type VoucherCheckpointItem = Record<string, unknown>;

function keyOf(item: unknown): string {
  if (typeof item !== "object" || item === null) return "(no key)";
  const { epochKey, channelId } = item as { epochKey?: unknown; channelId?: unknown };
  return `${String(epochKey)}/${String(channelId)}`;
}

/**
 * Converts voucher checkpoints to stored items and back.
 *
 * @example const item = voucherCheckpointItem.encode(checkpoint); voucherCheckpointItem.epochKey(31337, "0xab…", 42n) // "31337#0xab…#42"
 */
export const voucherCheckpointItem = {
  /** The partition key of one (chain, receiver, epoch). */
  epochKey(chainId: number, receiver: string, epoch: bigint): string {
    return `${chainId}#${receiver.toLowerCase()}#${epoch}`;
  },
  /** The item to store; throws InvalidStoreInputError when it would not read back exactly. */
  encode(checkpoint: VoucherCheckpoint): VoucherCheckpointItem {
    const receiver = checkpoint.receiver.toLowerCase();
    const item = {
      epochKey: voucherCheckpointItem.epochKey(checkpoint.chainId, receiver, checkpoint.epoch),
      channelId: checkpoint.channelId.toLowerCase(),
      chainId: checkpoint.chainId,
      receiver,
      modelId: checkpoint.modelId.toString(),
      epoch: checkpoint.epoch.toString(),
      channel: { ...checkpoint.channel },
      maxClaimableAmount: checkpoint.maxClaimableAmount.toString(),
      signature: checkpoint.signature,
      totalClaimed: checkpoint.totalClaimed,
      updatedAt: checkpoint.updatedAt,
    };
    const what = `voucher checkpoint ${item.epochKey}/${item.channelId}`;
    checkedParse(writeSchema, item, what);
    if (checkpoint.totalClaimed.toString().length > MAX_NUMBER_DIGITS) {
      throw new InvalidStoreInputError(
        `${what} cannot be stored: totalClaimed has more than ${MAX_NUMBER_DIGITS} digits (a DynamoDB number would round it)`,
      );
    }
    return item;
  },
  /** The checkpoint a stored item holds; throws CorruptRecordError when it does not parse or its keys disagree. */
  decode(table: string, item: unknown): VoucherCheckpoint {
    const key = keyOf(item);
    const { epochKey, ...checkpoint } = parseItem(readSchema, table, key, item);
    if (epochKey !== voucherCheckpointItem.epochKey(checkpoint.chainId, checkpoint.receiver, checkpoint.epoch)) {
      throw new CorruptRecordError(table, key, "epochKey", "does not match chainId#receiver#epoch");
    }
    return checkpoint;
  },
} as const;
