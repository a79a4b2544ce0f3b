import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { Clock, SendLease, SendLeaseStore } from "@slabridge/core";
import { sendLeaseItem } from "../items/sendLeaseItem.ts";
import { checkLeaseAdvance } from "../rules/checkLeaseAdvance.ts";
import { systemClock } from "../systemClock.ts";
import type { DynamoStoreConfig } from "./DynamoStoreConfig.ts";
import { storeCall } from "./storeCall.ts";
import { toDocumentClient } from "./toDocumentClient.ts";

/**
 * {@link SendLeaseStore} on the Cursors table (`tableName` is that table): each move is a put conditional on the
 * version it moves from, like a cursor's; the item is marked `record: "send-lease"`.
 *
 * @example const leases = new DynamoSendLeaseStore({ client, tableName: cursorsTable }); await leases.advance(next, lease?.version);
 */
export class DynamoSendLeaseStore implements SendLeaseStore {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #clock: Clock;

  constructor(config: DynamoStoreConfig) {
    this.#doc = toDocumentClient(config.client);
    this.#table = config.tableName;
    this.#clock = config.clock ?? systemClock;
  }

  async get(id: string): Promise<SendLease | undefined> {
    const get = new GetCommand({ TableName: this.#table, Key: { cursorId: id }, ConsistentRead: true });
    const out = await storeCall("GetItem", this.#table, () => this.#doc.send(get));
    return out?.Item === undefined ? undefined : sendLeaseItem.decode(this.#table, out.Item);
  }

  async advance(next: SendLease, expectedVersion: number | undefined): Promise<boolean> {
    checkLeaseAdvance(next, expectedVersion);
    const item = { ...sendLeaseItem.encode(next), storedAt: this.#clock.now() };
    const put = new PutCommand(
      expectedVersion === undefined
        ? { TableName: this.#table, Item: item, ConditionExpression: "attribute_not_exists(cursorId)" }
        : {
            TableName: this.#table,
            Item: item,
            ConditionExpression: "#version = :v",
            ExpressionAttributeNames: { "#version": "version" },
            ExpressionAttributeValues: { ":v": expectedVersion },
          },
    );
    const written = await storeCall("PutItem", this.#table, () => this.#doc.send(put));
    return written !== undefined;
  }
}
