import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Clock, NonceStore } from "@slabridge/core";
import { CorruptRecordError } from "../errors/CorruptRecordError.ts";
import { nonceItem } from "../items/nonceItem.ts";
import { checkNonce } from "../rules/checkNonce.ts";
import { systemClock } from "../systemClock.ts";
import type { DynamoStoreConfig } from "./DynamoStoreConfig.ts";
import { storeCall } from "./storeCall.ts";
import { toDocumentClient } from "./toDocumentClient.ts";

/**
 * {@link NonceStore} on the Nonces table (`{ senderId, next }`). A reservation is at most three conditional updates,
 * never an open-ended retry loop:
 *
 * 1. store ahead of the chain (`next > pending`): atomic `next = next + 1`, returning the old `next`;
 * 2. otherwise (absent, or `next <= pending`): `next = pending + 1` on that same condition, returning `pending`;
 * 3. if 2 lost to a concurrent writer, `next > pending` now holds for good (`next` only grows), so 1 succeeds.
 *
 * So concurrent reservers always get distinct nonces, without gaps. `release` gives the last nonce back with one
 * conditional update (`next == nonce + 1` -> `nonce`) when its transaction never reached the chain.
 *
 * @example const nonces = new DynamoNonceStore({ client, tableName }); const n = await nonces.reserve(sender, pending);
 */
export class DynamoNonceStore implements NonceStore {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #clock: Clock;

  constructor(config: DynamoStoreConfig) {
    this.#doc = toDocumentClient(config.client);
    this.#table = config.tableName;
    this.#clock = config.clock ?? systemClock;
  }

  async reserve(senderId: string, chainPendingNonce: number): Promise<number> {
    checkNonce(senderId, chainPendingNonce);
    for (let round = 0; round < 2; round++) {
      const ahead = await this.#increment(senderId, chainPendingNonce);
      if (ahead !== undefined) return ahead;
      if (await this.#catchUp(senderId, chainPendingNonce)) return chainPendingNonce;
    }
    // Both conditions failing twice means `next` is not a number DynamoDB can compare: report the stored item.
    await this.peek(senderId);
    throw new CorruptRecordError(this.#table, senderId, "next", "cannot be compared with a nonce");
  }

  /** One conditional update: `next = nonce` only while `next == nonce + 1` (nothing handed out after it). */
  async release(senderId: string, nonce: number): Promise<boolean> {
    checkNonce(senderId, nonce);
    const update = new UpdateCommand({
      TableName: this.#table,
      Key: { senderId },
      UpdateExpression: "SET #next = :nonce, #storedAt = :now",
      ConditionExpression: "#next = :after",
      ExpressionAttributeNames: { "#next": "next", "#storedAt": "storedAt" },
      ExpressionAttributeValues: { ":nonce": nonce, ":after": nonce + 1, ":now": this.#clock.now() },
    });
    const out = await storeCall("UpdateItem", this.#table, () => this.#doc.send(update));
    return out !== undefined;
  }

  async peek(senderId: string): Promise<number | undefined> {
    const get = new GetCommand({ TableName: this.#table, Key: { senderId }, ConsistentRead: true });
    const out = await storeCall("GetItem", this.#table, () => this.#doc.send(get));
    return out?.Item === undefined ? undefined : nonceItem.decodeNext(this.#table, senderId, out.Item);
  }

  /** Step 1: the nonce handed out, or undefined when the store is not ahead of the chain. */
  async #increment(senderId: string, pending: number): Promise<number | undefined> {
    const update = new UpdateCommand({
      TableName: this.#table,
      Key: { senderId },
      UpdateExpression: "SET #next = #next + :one, #storedAt = :now",
      ConditionExpression: "#next > :pending",
      ExpressionAttributeNames: { "#next": "next", "#storedAt": "storedAt" },
      ExpressionAttributeValues: { ":one": 1, ":pending": pending, ":now": this.#clock.now() },
      ReturnValues: "UPDATED_OLD",
    });
    const out = await storeCall("UpdateItem", this.#table, () => this.#doc.send(update));
    if (out === undefined) return undefined;
    return nonceItem.decodeNext(this.#table, senderId, { senderId, next: out.Attributes?.next });
  }

  /** Step 2: true when `next` was moved to pending + 1 (so `pending` is ours). */
  async #catchUp(senderId: string, pending: number): Promise<boolean> {
    const update = new UpdateCommand({
      TableName: this.#table,
      Key: { senderId },
      UpdateExpression: "SET #next = :after, #storedAt = :now",
      ConditionExpression: "attribute_not_exists(senderId) OR #next <= :pending",
      ExpressionAttributeNames: { "#next": "next", "#storedAt": "storedAt" },
      ExpressionAttributeValues: { ":after": pending + 1, ":pending": pending, ":now": this.#clock.now() },
    });
    const out = await storeCall("UpdateItem", this.#table, () => this.#doc.send(update));
    return out !== undefined;
  }
}
