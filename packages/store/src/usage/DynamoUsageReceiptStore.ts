import { type DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { SignedUsageReceipt, UsageReceiptStore } from "@slabridge/core";
import type { DynamoStoreConfig } from "../dynamo/DynamoStoreConfig.ts";
import { queryAllItems } from "../dynamo/queryAllItems.ts";
import { storeCall } from "../dynamo/storeCall.ts";
import { toDocumentClient } from "../dynamo/toDocumentClient.ts";
import { usageReceiptItem } from "./usageReceiptItem.ts";

/**
 * {@link UsageReceiptStore} on the UsageReceipts table (`epochKey` = `<modelId>#<epoch>`, range key the receipt's
 * signature): a record is one unconditional put, so the same signed receipt twice is one item. Items are parsed on
 * read; one that does not parse is a `CorruptRecordError`.
 *
 * @example
 * const receipts = new DynamoUsageReceiptStore({ client, tableName: Resource.UsageReceipts.name });
 * const evidence = await receipts.listEpoch(2n, 7n);
 */
export class DynamoUsageReceiptStore implements UsageReceiptStore {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(config: DynamoStoreConfig) {
    this.#doc = toDocumentClient(config.client);
    this.#table = config.tableName;
  }

  async record(signed: SignedUsageReceipt): Promise<void> {
    const put = new PutCommand({ TableName: this.#table, Item: usageReceiptItem.encode(signed) });
    await storeCall("PutItem", this.#table, () => this.#doc.send(put));
  }

  async listEpoch(modelId: bigint, epoch: bigint): Promise<SignedUsageReceipt[]> {
    const items = await queryAllItems(this.#doc, this.#table, {
      KeyConditionExpression: "epochKey = :epochKey",
      ExpressionAttributeValues: { ":epochKey": usageReceiptItem.epochKey(modelId, epoch) },
    });
    return items.map((item) => usageReceiptItem.decode(this.#table, item));
  }
}
