import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import type { Clock } from "@slabridge/core";
import { type Channel, type ChannelRecordStore, channelSchema, type VersionedChannel } from "@slabridge/gateway";
import { z } from "zod";
import type { DynamoStoreConfig } from "../dynamo/DynamoStoreConfig.ts";
import { storeCall } from "../dynamo/storeCall.ts";
import { toDocumentClient } from "../dynamo/toDocumentClient.ts";
import { CorruptRecordError } from "../errors/CorruptRecordError.ts";
import { InvalidStoreInputError } from "../errors/InvalidStoreInputError.ts";
import { systemClock } from "../systemClock.ts";
import { SVM_CHANNEL_KEY_PREFIX } from "./DynamoSvmChannelStore.ts";

const itemSchema = z.object({
  channelId: z.string(),
  version: z.number().int().positive(),
  channel: z.string(),
});

/**
 * The gateway's {@link ChannelRecordStore} on the Channels table: one item per channel (`channelId` lowercased, the
 * SDK's channel record as JSON in `channel`, `version`), every write a single put or delete conditional on the
 * version it read (or on the key being absent), so the gateway's `VersionedChannelStorage` is atomic across
 * instances. Items are parsed on read; one that does not parse is a {@link CorruptRecordError}.
 *
 * @example
 * const storage = new VersionedChannelStorage(new DynamoChannelRecordStore({ client, tableName: Resource.Channels.name }));
 */
export class DynamoChannelRecordStore implements ChannelRecordStore {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #clock: Clock;

  constructor(config: DynamoStoreConfig) {
    this.#doc = toDocumentClient(config.client);
    this.#table = config.tableName;
    this.#clock = config.clock ?? systemClock;
  }

  /** @example await store.get("0xabc…") */
  async get(channelId: string): Promise<VersionedChannel | undefined> {
    const id = channelId.toLowerCase();
    const get = new GetCommand({ TableName: this.#table, Key: { channelId: id }, ConsistentRead: true });
    const out = await storeCall("GetItem", this.#table, () => this.#doc.send(get));
    return out?.Item === undefined ? undefined : this.#decode(out.Item);
  }

  /** @example (await store.list()).length */
  async list(): Promise<Channel[]> {
    const channels: Channel[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const scan = new ScanCommand({ TableName: this.#table, ConsistentRead: true, ExclusiveStartKey: start });
      const out = await storeCall("Scan", this.#table, () => this.#doc.send(scan));
      for (const item of out?.Items ?? []) {
        // The Solana channels share the table (DynamoSvmChannelStore): not the SDK's records.
        if (typeof item.channelId === "string" && item.channelId.startsWith(SVM_CHANNEL_KEY_PREFIX)) continue;
        channels.push(this.#decode(item).channel);
      }
      start = out?.LastEvaluatedKey;
    } while (start !== undefined);
    return channels;
  }

  /** @example await store.put(channel, current?.version) // false: another writer moved it first */
  async put(channel: Channel, expectedVersion: number | undefined): Promise<boolean> {
    const checked = channelSchema.safeParse(channel);
    if (!checked.success) throw new InvalidStoreInputError(`channel: ${z.prettifyError(checked.error)}`);
    const item = {
      channelId: channel.channelId.toLowerCase(),
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

  /** @example await store.delete(id, 3) */
  async delete(channelId: string, expectedVersion: number): Promise<boolean> {
    const remove = new DeleteCommand({
      TableName: this.#table,
      Key: { channelId: channelId.toLowerCase() },
      ConditionExpression: "#version = :v",
      ExpressionAttributeNames: { "#version": "version" },
      ExpressionAttributeValues: { ":v": expectedVersion },
    });
    return (await storeCall("DeleteItem", this.#table, () => this.#doc.send(remove))) !== undefined;
  }

  #decode(raw: Record<string, unknown>): VersionedChannel {
    const key = typeof raw.channelId === "string" ? raw.channelId : "(no channelId)";
    const item = itemSchema.safeParse(raw);
    if (!item.success) throw new CorruptRecordError(this.#table, key, "", z.prettifyError(item.error));
    let json: unknown;
    try {
      json = JSON.parse(item.data.channel);
    } catch {
      throw new CorruptRecordError(this.#table, key, "channel", "is not JSON");
    }
    const channel = channelSchema.safeParse(json);
    if (!channel.success) throw new CorruptRecordError(this.#table, key, "channel", z.prettifyError(channel.error));
    if (channel.data.channelId.toLowerCase() !== item.data.channelId) {
      throw new CorruptRecordError(this.#table, key, "channel.channelId", "names another channel");
    }
    return { channel: channel.data, version: item.data.version };
  }
}
