import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { Clock, Cursor, CursorStore } from "@slabridge/core";
import { cursorItem } from "../items/cursorItem.ts";
import { checkCursorAdvance } from "../rules/checkCursorAdvance.ts";
import { systemClock } from "../systemClock.ts";
import type { DynamoStoreConfig } from "./DynamoStoreConfig.ts";
import { storeCall } from "./storeCall.ts";
import { toDocumentClient } from "./toDocumentClient.ts";

/**
 * {@link CursorStore} on the Cursors table: each advance is a put conditional on the version it moves from.
 *
 * @example const cursors = new DynamoCursorStore({ client, tableName }); await cursors.advance(next, current?.version);
 */
export class DynamoCursorStore implements CursorStore {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #clock: Clock;

  constructor(config: DynamoStoreConfig) {
    this.#doc = toDocumentClient(config.client);
    this.#table = config.tableName;
    this.#clock = config.clock ?? systemClock;
  }

  async get(id: string): Promise<Cursor | undefined> {
    const get = new GetCommand({ TableName: this.#table, Key: { cursorId: id }, ConsistentRead: true });
    const out = await storeCall("GetItem", this.#table, () => this.#doc.send(get));
    return out?.Item === undefined ? undefined : cursorItem.decode(this.#table, out.Item);
  }

  async advance(next: Cursor, expectedVersion: number | undefined): Promise<boolean> {
    checkCursorAdvance(next, expectedVersion);
    const item = { ...cursorItem.encode(next), storedAt: this.#clock.now() };
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
