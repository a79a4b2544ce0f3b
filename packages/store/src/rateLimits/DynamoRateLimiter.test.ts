import { DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { type LocalDynamo, startLocalDynamo } from "@slabridge/devnet";
import { TokenBucketRateLimiter } from "@slabridge/gateway";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CorruptRecordError } from "../errors/CorruptRecordError.ts";
import { RateLimitContentionError } from "../errors/RateLimitContentionError.ts";
import { StoreRequestError } from "../errors/StoreRequestError.ts";
import { DynamoRateLimiter } from "./DynamoRateLimiter.ts";

describe("DynamoRateLimiter (dynalite)", () => {
  let dynamo: LocalDynamo;
  let nowMs = 1_700_000_000_000;
  const clock = { now: () => nowMs };
  // Each limiter on its own client stands for one gateway instance.
  const instance = () =>
    new DynamoRateLimiter({ client: dynamo.client(), tableName: dynamo.tableNames.rateLimits, clock });
  const raw = () => DynamoDBDocumentClient.from(dynamo.client());

  beforeAll(async () => {
    dynamo = await startLocalDynamo({ tablePrefix: "rate-limits-" });
  });

  afterAll(async () => {
    await dynamo?.close();
  });

  it("admits `burst` calls in total across two instances sharing the table, not `burst` each", async () => {
    const terms = { burst: 3, perSecond: 0.5 };
    const [a, b] = [instance(), instance()];
    const decisions = [];
    for (let i = 0; i < 4; i++) {
      decisions.push(await a.take("0xbuyer|shared", terms), await b.take("0xbuyer|shared", terms));
    }
    expect(decisions.filter((d) => d.allowed)).toHaveLength(3);
    expect(decisions.slice(0, 3).every((d) => d.allowed)).toBe(true);
    expect(decisions.at(-1)).toEqual({ allowed: false, retryAfterSeconds: 2 });
    // Another buyer's bucket is its own.
    expect(await b.take("0xother|shared", terms)).toEqual({ allowed: true });
  });

  it("never over-admits 50 concurrent takes from two instances", async () => {
    const terms = { burst: 7, perSecond: 0.01 };
    const [a, b] = [instance(), instance()];
    const decisions = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? a : b).take("0xbuyer|race", terms)),
    );
    expect(decisions.filter((d) => d.allowed)).toHaveLength(7);
    expect(decisions.filter((d) => !d.allowed)).toHaveLength(43);
  });

  it("refills with the injected clock, up to the burst, as the in-memory limiter does", async () => {
    const terms = { burst: 2, perSecond: 4 };
    const shared = instance();
    const memory = new TokenBucketRateLimiter(() => nowMs);
    // Calls spaced irregularly (ms), some faster than the refill, one idle gap longer than the burst's refill.
    const gaps = [0, 0, 0, 100, 250, 250, 10, 10, 600, 0, 0, 0, 5_000, 0, 0, 0, 249, 1];
    for (const gap of gaps) {
      nowMs += gap;
      expect(await shared.take("0xbuyer|refill", terms)).toEqual(await memory.take("0xbuyer|refill", terms));
    }
  });

  it("keeps the TTL attribute past the moment the bucket is full again", async () => {
    const terms = { burst: 4, perSecond: 0.1 };
    const shared = instance();
    for (let i = 0; i < 4; i++) expect((await shared.take("0xbuyer|ttl", terms)).allowed).toBe(true);
    const { Item } = await raw().send(
      new GetCommand({ TableName: dynamo.tableNames.rateLimits, Key: { bucketKey: "0xbuyer|ttl" } }),
    );
    expect(Item?.fullAtMs).toBe(nowMs + 40_000);
    expect(Item?.expiresAt).toBeGreaterThanOrEqual(Math.ceil((nowMs + 40_000) / 1_000));
    expect(Item?.expiresAt).toBeLessThanOrEqual(Math.ceil((nowMs + 40_000) / 1_000) + 3_600);
  });

  it("reads a stored item that does not parse as a CorruptRecordError, admitting nothing", async () => {
    await raw().send(
      new PutCommand({
        TableName: dynamo.tableNames.rateLimits,
        Item: { bucketKey: "0xbuyer|corrupt", fullAtMs: "soon", expiresAt: 1 },
      }),
    );
    const error = await instance()
      .take("0xbuyer|corrupt", { burst: 5, perSecond: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorruptRecordError);
    expect(error).toMatchObject({ table: dynamo.tableNames.rateLimits, key: "0xbuyer|corrupt" });
  });

  it("throws the store's typed error when DynamoDB refuses the request, never an admission", async () => {
    const missing = new DynamoRateLimiter({ client: dynamo.client(), tableName: "no-such-table", clock });
    await expect(missing.take("0xbuyer|x", { burst: 5, perSecond: 1 })).rejects.toBeInstanceOf(StoreRequestError);
  });

  it("gives up with a RateLimitContentionError when the bucket moves under every attempt", async () => {
    const table = dynamo.tableNames.rateLimits;
    const key = "0xbuyer|contended";
    const terms = { burst: 3, perSecond: 1 };
    const client = DynamoDBDocumentClient.from(dynamo.client());
    // Another writer moves the bucket between each read and write: full before a "token left" write, part-spent
    // before a "full" write, so every condition fails.
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { UpdateExpression?: string };
        if (context.commandName === "UpdateItemCommand") {
          const full = String(input.UpdateExpression).includes(":next");
          const fullAtMs = full ? nowMs + 1_000 : nowMs - 1;
          await raw().send(new PutCommand({ TableName: table, Item: { bucketKey: key, fullAtMs, expiresAt: 0 } }));
        }
        return next(args);
      },
      { step: "initialize" },
    );
    const contended = new DynamoRateLimiter({ client, tableName: table, clock });
    await expect(contended.take(key, terms)).rejects.toBeInstanceOf(RateLimitContentionError);
  });
});
