import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { Clock, PaymentRecord, PaymentStore, RecordPaymentResult } from "@slabridge/core";
import { ConflictingRecordError } from "../errors/ConflictingRecordError.ts";
import { StoreUnavailableError } from "../errors/StoreUnavailableError.ts";
import { paymentItem } from "../items/paymentItem.ts";
import { systemClock } from "../systemClock.ts";
import type { DynamoStoreConfig } from "./DynamoStoreConfig.ts";
import { storeCall } from "./storeCall.ts";
import { toDocumentClient } from "./toDocumentClient.ts";

/**
 * {@link PaymentStore} on the Payments table (`epochKey` = `chainId:modelId:epoch`, range key `paymentId`). Each
 * payment is a conditional put; a second, different payment under the same key is refused, never overwritten.
 *
 * @example const payments = new DynamoPaymentStore({ client, tableName }); await payments.record(p); // "created"
 */
export class DynamoPaymentStore implements PaymentStore {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #clock: Clock;

  constructor(config: DynamoStoreConfig) {
    this.#doc = toDocumentClient(config.client);
    this.#table = config.tableName;
    this.#clock = config.clock ?? systemClock;
  }

  async record(payment: PaymentRecord): Promise<RecordPaymentResult> {
    const item = paymentItem.encode(payment);
    const put = new PutCommand({
      TableName: this.#table,
      Item: { ...item, storedAt: this.#clock.now() },
      ConditionExpression: "attribute_not_exists(paymentId)",
    });
    if ((await storeCall("PutItem", this.#table, () => this.#doc.send(put))) !== undefined) return "created";
    const key = { epochKey: item.epochKey, paymentId: item.paymentId };
    const get = new GetCommand({ TableName: this.#table, Key: key, ConsistentRead: true });
    const stored = (await storeCall("GetItem", this.#table, () => this.#doc.send(get)))?.Item;
    // Nothing deletes payments, so this only happens if the table is being tampered with: try again later.
    if (stored === undefined) throw new StoreUnavailableError("PutItem", this.#table, "item vanished after a conflict");
    paymentItem.decode(this.#table, stored); // a corrupt stored payment is reported, not compared
    const field = paymentItem.differingField(stored, item);
    if (field !== undefined) throw new ConflictingRecordError(this.#table, `${key.epochKey}/${key.paymentId}`, field);
    return "exists";
  }

  async listEpoch(chainId: number, modelId: bigint, epoch: bigint): Promise<PaymentRecord[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const query = new QueryCommand({
        TableName: this.#table,
        KeyConditionExpression: "#epochKey = :epochKey",
        ExpressionAttributeNames: { "#epochKey": "epochKey" },
        ExpressionAttributeValues: { ":epochKey": paymentItem.epochKey(chainId, modelId, epoch) },
        ConsistentRead: true,
        ScanIndexForward: true,
        ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
      });
      const out = await storeCall("Query", this.#table, () => this.#doc.send(query));
      items.push(...(out?.Items ?? []));
      startKey = out?.LastEvaluatedKey;
    } while (startKey !== undefined);
    return items.map((item) => paymentItem.decode(this.#table, item));
  }

  async listEpochPage(
    chainId: number,
    modelId: bigint,
    epoch: bigint,
    page: { after?: string | undefined; limit: number },
  ): Promise<PaymentRecord[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    const after = page.after === undefined ? "" : " AND #paymentId > :after";
    do {
      const query = new QueryCommand({
        TableName: this.#table,
        KeyConditionExpression: `#epochKey = :epochKey${after}`,
        ExpressionAttributeNames: {
          "#epochKey": "epochKey",
          ...(page.after === undefined ? {} : { "#paymentId": "paymentId" }),
        },
        ExpressionAttributeValues: {
          ":epochKey": paymentItem.epochKey(chainId, modelId, epoch),
          ...(page.after === undefined ? {} : { ":after": page.after }),
        },
        ConsistentRead: true,
        ScanIndexForward: true,
        // A response stops at 1 MB too, so a short page may continue from LastEvaluatedKey.
        Limit: page.limit - items.length,
        ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
      });
      const out = await storeCall("Query", this.#table, () => this.#doc.send(query));
      items.push(...(out?.Items ?? []));
      startKey = out?.LastEvaluatedKey;
    } while (startKey !== undefined && items.length < page.limit);
    return items.map((item) => paymentItem.decode(this.#table, item));
  }
}
