import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { Clock } from "@slabridge/core";
import type { VersionedRecordCodec } from "../items/VersionedRecordCodec.ts";
import { systemClock } from "../systemClock.ts";
import type { DynamoStoreConfig } from "./DynamoStoreConfig.ts";
import { storeCall } from "./storeCall.ts";
import { toDocumentClient } from "./toDocumentClient.ts";

/**
 * One kind of versioned record on the Cursors table: each advance is a single put conditional on the version it moves
 * from (or on the key being absent for the first one), so two workers never both move it. `DynamoCursorStore` and
 * `DynamoSendLeaseStore` are this with a codec.
 *
 * @example class DynamoCursorStore extends DynamoVersionedStore<Cursor> { constructor(c) { super(cursorCodec, c); } }
 */
export class DynamoVersionedStore<T extends { id: string; version: number }> {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #clock: Clock;
  readonly #codec: VersionedRecordCodec<T>;

  constructor(codec: VersionedRecordCodec<T>, config: DynamoStoreConfig) {
    this.#codec = codec;
    this.#doc = toDocumentClient(config.client);
    this.#table = config.tableName;
    this.#clock = config.clock ?? systemClock;
  }

  async get(id: string): Promise<T | undefined> {
    const get = new GetCommand({ TableName: this.#table, Key: { cursorId: id }, ConsistentRead: true });
    const out = await storeCall("GetItem", this.#table, () => this.#doc.send(get));
    return out?.Item === undefined ? undefined : this.#codec.item.decode(this.#table, out.Item);
  }

  async advance(next: T, expectedVersion: number | undefined): Promise<boolean> {
    this.#codec.checkAdvance(next, expectedVersion);
    const item = { ...this.#codec.item.encode(next), storedAt: this.#clock.now() };
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
