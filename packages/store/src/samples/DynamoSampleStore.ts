import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { Clock, RecordSampleResult, SampleRecord, SampleStore } from "@slabridge/core";
import type { DynamoStoreConfig } from "../dynamo/DynamoStoreConfig.ts";
import { storeCall } from "../dynamo/storeCall.ts";
import { toDocumentClient } from "../dynamo/toDocumentClient.ts";
import { systemClock } from "../systemClock.ts";
import { sampleItem } from "./sampleItem.ts";

/**
 * {@link SampleStore} on the Samples table (`sampleKey` = `<modelId>#<epoch>`, range key `sampleId` =
 * `<vantage>#<roundId>#<modelId>`). Each sample is a conditional put, so re-recording a round adds nothing.
 *
 * @example const samples = new DynamoSampleStore({ client, tableName }); await samples.record(s); // "created"
 */
export class DynamoSampleStore implements SampleStore {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #clock: Clock;

  constructor(config: DynamoStoreConfig) {
    this.#doc = toDocumentClient(config.client);
    this.#table = config.tableName;
    this.#clock = config.clock ?? systemClock;
  }

  async record(sample: SampleRecord): Promise<RecordSampleResult> {
    const item = sampleItem.encode(sample);
    const put = new PutCommand({
      TableName: this.#table,
      Item: { ...item, storedAt: this.#clock.now() },
      ConditionExpression: "attribute_not_exists(sampleId)",
    });
    return (await storeCall("PutItem", this.#table, () => this.#doc.send(put))) === undefined ? "exists" : "created";
  }

  async get(modelId: bigint, epoch: bigint, sampleId: string): Promise<SampleRecord | undefined> {
    const get = new GetCommand({
      TableName: this.#table,
      Key: { sampleKey: sampleItem.sampleKey(modelId, epoch), sampleId },
      ConsistentRead: true,
    });
    const item = (await storeCall("GetItem", this.#table, () => this.#doc.send(get)))?.Item;
    return item === undefined ? undefined : sampleItem.decode(this.#table, item);
  }

  async listEpoch(modelId: bigint, epoch: bigint): Promise<SampleRecord[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const query = new QueryCommand({
        TableName: this.#table,
        KeyConditionExpression: "#sampleKey = :sampleKey",
        ExpressionAttributeNames: { "#sampleKey": "sampleKey" },
        ExpressionAttributeValues: { ":sampleKey": sampleItem.sampleKey(modelId, epoch) },
        ConsistentRead: true,
        ScanIndexForward: true,
        ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
      });
      const out = await storeCall("Query", this.#table, () => this.#doc.send(query));
      items.push(...(out?.Items ?? []));
      startKey = out?.LastEvaluatedKey;
    } while (startKey !== undefined);
    return items.map((item) => sampleItem.decode(this.#table, item));
  }
}
