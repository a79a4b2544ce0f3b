import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { Clock } from "@slabridge/core";
import type { SvmChannelRecord, SvmChannelStore, VersionedSvmChannel } from "@slabridge/gateway";
import { z } from "zod";
import type { DynamoStoreConfig } from "../dynamo/DynamoStoreConfig.ts";
import { storeCall } from "../dynamo/storeCall.ts";
import { toDocumentClient } from "../dynamo/toDocumentClient.ts";
import { CorruptRecordError } from "../errors/CorruptRecordError.ts";
import { InvalidStoreInputError } from "../errors/InvalidStoreInputError.ts";
import { systemClock } from "../systemClock.ts";

/**
 * The key prefix of Solana channel items in the Channels table: the EVM store's `list` skips them, and no EVM
 * channel id (0x hex) starts with it.
 *
 * @example `${SVM_CHANNEL_KEY_PREFIX}0xab…` // "svm:0xab…"
 */
export const SVM_CHANNEL_KEY_PREFIX = "svm:";

const decimal = z.string().regex(/^(?:0|[1-9][0-9]*)$/);
const recordSchema = z.strictObject({
  channelId: z.string().regex(/^0x[0-9a-f]{64}$/),
  payer: z.string().min(32).max(44),
  tokenAccount: z.string().min(32).max(44),
  chargedCumulativeAmount: decimal,
  signedCumulativeAmount: decimal,
  signature: z.string().max(100),
  pending: z.strictObject({ id: z.string().min(1), expiresAt: z.number().int().nonnegative() }).optional(),
});
const itemSchema = z.object({
  channelId: z.string().startsWith(SVM_CHANNEL_KEY_PREFIX),
  version: z.number().int().positive(),
  channel: z.string(),
});

/**
 * The gateway's {@link SvmChannelStore} on the Channels table, beside the EVM channels: one item per Solana channel
 * (`svm:<channel id>`, the record as JSON in `channel`, `version`), every write one put conditional on the version it
 * read (or on the key being absent), so reservations and charges serialize across gateway instances. Items are
 * parsed on read; one that does not parse is a {@link CorruptRecordError}.
 *
 * @example
 * const svmChannels = new DynamoSvmChannelStore({ client, tableName: Resource.Channels.name });
 */
export class DynamoSvmChannelStore implements SvmChannelStore {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #clock: Clock;

  constructor(config: DynamoStoreConfig) {
    this.#doc = toDocumentClient(config.client);
    this.#table = config.tableName;
    this.#clock = config.clock ?? systemClock;
  }

  /** @example await svmChannels.get("0xab…") */
  async get(channelId: string): Promise<VersionedSvmChannel | undefined> {
    const key = keyOf(channelId);
    const get = new GetCommand({ TableName: this.#table, Key: { channelId: key }, ConsistentRead: true });
    const out = await storeCall("GetItem", this.#table, () => this.#doc.send(get));
    return out?.Item === undefined ? undefined : this.#decode(key, out.Item);
  }

  /** @example await svmChannels.put(record, current?.version) // false: another writer moved it first */
  async put(record: SvmChannelRecord, expectedVersion: number | undefined): Promise<boolean> {
    const normalized = { ...record, channelId: record.channelId.toLowerCase() };
    const checked = recordSchema.safeParse(normalized);
    if (!checked.success) throw new InvalidStoreInputError(`SVM channel: ${z.prettifyError(checked.error)}`);
    const item = {
      channelId: keyOf(normalized.channelId),
      version: (expectedVersion ?? 0) + 1,
      channel: JSON.stringify(checked.data),
      storedAt: this.#clock.now(),
    };
    const put = new PutCommand(
      expectedVersion === undefined
        ? { TableName: this.#table, Item: item, ConditionExpression: "attribute_not_exists(channelId)" }
        : {
            TableName: this.#table,
            Item: item,
            ConditionExpression: "#version = :v",
            ExpressionAttributeNames: { "#version": "version" },
            ExpressionAttributeValues: { ":v": expectedVersion },
          },
    );
    return (await storeCall("PutItem", this.#table, () => this.#doc.send(put))) !== undefined;
  }

  #decode(key: string, raw: Record<string, unknown>): VersionedSvmChannel {
    const item = itemSchema.safeParse(raw);
    if (!item.success) throw new CorruptRecordError(this.#table, key, "", z.prettifyError(item.error));
    let json: unknown;
    try {
      json = JSON.parse(item.data.channel);
    } catch {
      throw new CorruptRecordError(this.#table, key, "channel", "is not JSON");
    }
    const record = recordSchema.safeParse(json);
    if (!record.success) throw new CorruptRecordError(this.#table, key, "channel", z.prettifyError(record.error));
    if (keyOf(record.data.channelId) !== item.data.channelId) {
      throw new CorruptRecordError(this.#table, key, "channel.channelId", "names another channel");
    }
    const { pending, ...rest } = record.data;
    return { record: pending === undefined ? rest : { ...rest, pending }, version: item.data.version };
  }
}

function keyOf(channelId: string): string {
  return `${SVM_CHANNEL_KEY_PREFIX}${channelId.toLowerCase()}`;
}
