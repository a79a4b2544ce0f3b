import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Clock } from "@slabridge/core";
import {
  lastTokenOffsetMs,
  type RateLimitDecision,
  type RateLimiter,
  refillIntervalMs,
  type TokenBucketTerms,
  takeFromBucket,
} from "@slabridge/gateway";
import { z } from "zod";
import type { DynamoStoreConfig } from "../dynamo/DynamoStoreConfig.ts";
import { storeCall } from "../dynamo/storeCall.ts";
import { toDocumentClient } from "../dynamo/toDocumentClient.ts";
import { CorruptRecordError } from "../errors/CorruptRecordError.ts";
import { RateLimitContentionError } from "../errors/RateLimitContentionError.ts";
import { systemClock } from "../systemClock.ts";

/** Reads and conditional writes one take may try before it gives up (a write fails only when its branch changed). */
const MAX_ATTEMPTS = 5;

/** How long past the moment a bucket is full again its item is kept before TTL may delete it. */
const TTL_SLACK_SECONDS = 60;

const itemSchema = z.object({
  bucketKey: z.string(),
  fullAtMs: z.number().finite(),
  expiresAt: z.number().int(),
});

/**
 * The gateway's {@link RateLimiter} on the RateLimits table, shared by every gateway instance: one item per bucket
 * key holding `fullAtMs`, the moment the bucket is full again (the gateway's `takeFromBucket`: the same token bucket
 * as "tokens at updatedAtMs", kept as one number). A take reads the item (consistently); a refusal writes nothing. An
 * admission is one conditional UpdateItem: on a full bucket `fullAtMs = now + interval` if it is still full, else
 * `fullAtMs = fullAtMs + interval` if a token is still left. The second is relative, so concurrent takers on the
 * same bucket do not conflict while tokens last, and the condition is checked by DynamoDB on the item as it is
 * then: no two instances can spend one token. A write whose condition fails starts over from a fresh read. Each
 * write moves `expiresAt` (unix seconds, the table's TTL attribute) past the latest `fullAtMs` it can produce, so
 * idle buckets expire. A stored item that does not parse is a {@link CorruptRecordError}; DynamoDB failures are the
 * store's typed errors. The gateway refuses the call on any of them (it fails closed).
 *
 * @example
 * const limiter = new DynamoRateLimiter({ client, tableName: Resource.RateLimits.name });
 * await limiter.take("0xbuyer|llama", { burst: 5, perSecond: 1 }); // { allowed: true }
 */
export class DynamoRateLimiter implements RateLimiter {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #clock: Clock;

  constructor(config: DynamoStoreConfig) {
    this.#doc = toDocumentClient(config.client);
    this.#table = config.tableName;
    this.#clock = config.clock ?? systemClock;
  }

  /** @example await limiter.take("0xbuyer|llama", { burst: 2, perSecond: 0.5 }) */
  async take(key: string, terms: TokenBucketTerms): Promise<RateLimitDecision> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const nowMs = this.#clock.now();
      const fullAtMs = await this.#read(key);
      const taken = takeFromBucket(fullAtMs, terms, nowMs);
      if (!taken.decision.allowed) return taken.decision;
      if (await this.#write(key, terms, nowMs, fullAtMs === undefined || fullAtMs <= nowMs)) return taken.decision;
    }
    throw new RateLimitContentionError(this.#table, key, MAX_ATTEMPTS);
  }

  async #read(key: string): Promise<number | undefined> {
    const get = new GetCommand({ TableName: this.#table, Key: { bucketKey: key }, ConsistentRead: true });
    const out = await storeCall("GetItem", this.#table, () => this.#doc.send(get));
    if (out?.Item === undefined) return undefined;
    const item = itemSchema.safeParse(out.Item);
    if (!item.success) throw new CorruptRecordError(this.#table, key, "", z.prettifyError(item.error));
    return item.data.fullAtMs;
  }

  /** Spends one token if the bucket is still as read (full, or with a token left); false when it moved. */
  async #write(key: string, terms: TokenBucketTerms, nowMs: number, full: boolean): Promise<boolean> {
    const interval = refillIntervalMs(terms);
    // No write can move fullAtMs past now + burst intervals: the expiry is never before the bucket is full again.
    const expiresAt = Math.ceil((nowMs + terms.burst * interval) / 1_000) + TTL_SLACK_SECONDS;
    const update = new UpdateCommand(
      full
        ? {
            TableName: this.#table,
            Key: { bucketKey: key },
            UpdateExpression: "SET fullAtMs = :next, expiresAt = :expiresAt",
            ConditionExpression: "attribute_not_exists(bucketKey) OR fullAtMs <= :now",
            ExpressionAttributeValues: { ":next": nowMs + interval, ":now": nowMs, ":expiresAt": expiresAt },
          }
        : {
            TableName: this.#table,
            Key: { bucketKey: key },
            UpdateExpression: "SET fullAtMs = fullAtMs + :interval, expiresAt = :expiresAt",
            ConditionExpression: "fullAtMs > :now AND fullAtMs <= :lastToken",
            ExpressionAttributeValues: {
              ":interval": interval,
              ":now": nowMs,
              ":lastToken": nowMs + lastTokenOffsetMs(terms),
              ":expiresAt": expiresAt,
            },
          },
    );
    return (await storeCall("UpdateItem", this.#table, () => this.#doc.send(update))) !== undefined;
  }
}
