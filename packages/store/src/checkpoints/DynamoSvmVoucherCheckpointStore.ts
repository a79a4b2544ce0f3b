import { type DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { Clock, SvmVoucherCheckpoint, SvmVoucherCheckpointStore } from "@slabridge/core";
import type { DynamoStoreConfig } from "../dynamo/DynamoStoreConfig.ts";
import { queryAllItems } from "../dynamo/queryAllItems.ts";
import { storeCall } from "../dynamo/storeCall.ts";
import { toDocumentClient } from "../dynamo/toDocumentClient.ts";
import { systemClock } from "../systemClock.ts";
import { svmVoucherCheckpointItem } from "./svmVoucherCheckpointItem.ts";

/**
 * {@link SvmVoucherCheckpointStore} on the VoucherCheckpoints table, next to the EVM checkpoints (`epochKey` =
 * `<chainId>#model:<modelId>#<epoch>`, range key the channel id as 64 lowercase hex). A record is one put conditional
 * on the item being absent or its stored `totalClaimed` (a DynamoDB number, at most 38 digits) being lower, so
 * concurrent gateway instances keep the highest. Items are parsed on read; one that does not is a
 * `CorruptRecordError`.
 *
 * @example
 * const svmCheckpoints = new DynamoSvmVoucherCheckpointStore({ client, tableName: Resource.VoucherCheckpoints.name });
 * await svmCheckpoints.record(checkpoint); // false when a higher totalClaimed is stored already
 */
export class DynamoSvmVoucherCheckpointStore implements SvmVoucherCheckpointStore {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #clock: Clock;

  constructor(config: DynamoStoreConfig) {
    this.#doc = toDocumentClient(config.client);
    this.#table = config.tableName;
    this.#clock = config.clock ?? systemClock;
  }

  /** @example await svmCheckpoints.record(checkpoint) // true: written */
  async record(checkpoint: SvmVoucherCheckpoint): Promise<boolean> {
    const item = svmVoucherCheckpointItem.encode(checkpoint);
    const put = new PutCommand({
      TableName: this.#table,
      Item: { ...item, storedAt: this.#clock.now() },
      ConditionExpression: "attribute_not_exists(channelId) OR totalClaimed < :totalClaimed",
      ExpressionAttributeValues: { ":totalClaimed": checkpoint.totalClaimed },
    });
    return (await storeCall("PutItem", this.#table, () => this.#doc.send(put))) !== undefined;
  }

  /** @example await svmCheckpoints.list(9001, 2n, 41n) */
  async list(chainId: number, modelId: bigint, epoch: bigint): Promise<SvmVoucherCheckpoint[]> {
    const items = await queryAllItems(this.#doc, this.#table, {
      KeyConditionExpression: "epochKey = :epochKey",
      ExpressionAttributeValues: { ":epochKey": svmVoucherCheckpointItem.epochKey(chainId, modelId, epoch) },
    });
    return items.map((item) => svmVoucherCheckpointItem.decode(this.#table, item));
  }
}
