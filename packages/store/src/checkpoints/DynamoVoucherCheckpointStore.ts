import { type DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { Clock, VoucherCheckpoint, VoucherCheckpointStore } from "@slabridge/core";
import type { DynamoStoreConfig } from "../dynamo/DynamoStoreConfig.ts";
import { queryAllItems } from "../dynamo/queryAllItems.ts";
import { storeCall } from "../dynamo/storeCall.ts";
import { toDocumentClient } from "../dynamo/toDocumentClient.ts";
import { systemClock } from "../systemClock.ts";
import { voucherCheckpointItem } from "./voucherCheckpointItem.ts";

/**
 * {@link VoucherCheckpointStore} on the VoucherCheckpoints table (`epochKey` = `<chainId>#<receiver>#<epoch>`, range
 * key `channelId`, both lowercased). A record is one put conditional on the item being absent or its stored
 * `totalClaimed` being lower, so concurrent gateway instances keep the highest; `totalClaimed` is a DynamoDB number
 * for that comparison (so at most 38 digits: a longer one is an `InvalidStoreInputError`), the other bigints decimal
 * strings. Items are parsed on read; one that does not parse is a `CorruptRecordError`.
 *
 * @example
 * const checkpoints = new DynamoVoucherCheckpointStore({ client, tableName: Resource.VoucherCheckpoints.name });
 * await checkpoints.record(checkpoint); // false when a higher totalClaimed is stored already
 */
export class DynamoVoucherCheckpointStore implements VoucherCheckpointStore {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #clock: Clock;

  constructor(config: DynamoStoreConfig) {
    this.#doc = toDocumentClient(config.client);
    this.#table = config.tableName;
    this.#clock = config.clock ?? systemClock;
  }

  /** @example await checkpoints.record(checkpoint) // true: written */
  async record(checkpoint: VoucherCheckpoint): Promise<boolean> {
    const item = voucherCheckpointItem.encode(checkpoint);
    const put = new PutCommand({
      TableName: this.#table,
      Item: { ...item, storedAt: this.#clock.now() },
      ConditionExpression: "attribute_not_exists(channelId) OR totalClaimed < :totalClaimed",
      ExpressionAttributeValues: { ":totalClaimed": checkpoint.totalClaimed },
    });
    return (await storeCall("PutItem", this.#table, () => this.#doc.send(put))) !== undefined;
  }

  /** @example await checkpoints.list(31337, receiver, 42n) */
  async list(chainId: number, receiver: string, epoch: bigint): Promise<VoucherCheckpoint[]> {
    const items = await queryAllItems(this.#doc, this.#table, {
      KeyConditionExpression: "epochKey = :epochKey",
      ExpressionAttributeValues: { ":epochKey": voucherCheckpointItem.epochKey(chainId, receiver, epoch) },
    });
    return items.map((item) => voucherCheckpointItem.decode(this.#table, item));
  }
}
