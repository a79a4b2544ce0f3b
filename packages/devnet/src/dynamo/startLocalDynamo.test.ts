import { createServer } from "node:net";
import {
  ConditionalCheckFailedException,
  DescribeTableCommand,
  ListTablesCommand,
  PutItemCommand,
  QueryCommand,
} from "@aws-sdk/client-dynamodb";
import { tables } from "@slabridge/topology";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalDynamo, startLocalDynamo } from "./startLocalDynamo.ts";

async function portIsFree(port: number): Promise<boolean> {
  const probe = createServer();
  return new Promise((resolve) => {
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}

describe("startLocalDynamo", () => {
  let dynamo: LocalDynamo;
  beforeAll(async () => {
    dynamo = await startLocalDynamo({ tablePrefix: "t1-" });
  });
  afterAll(async () => {
    await dynamo.close();
  });

  it("listens on loopback and creates every table with its keys and GSIs", async () => {
    expect(dynamo.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const ddb = dynamo.client();
    const { TableNames } = await ddb.send(new ListTablesCommand({}));
    expect(new Set(TableNames)).toEqual(new Set(Object.values(tables).map((t) => `t1-${t.name}`)));

    const { Table: jobs } = await ddb.send(new DescribeTableCommand({ TableName: dynamo.tableNames.jobs }));
    expect(jobs?.TableStatus).toBe("ACTIVE");
    expect(jobs?.KeySchema).toEqual([{ AttributeName: "jobId", KeyType: "HASH" }]);
    expect(jobs?.BillingModeSummary?.BillingMode).toBe("PAY_PER_REQUEST");
    expect(jobs?.GlobalSecondaryIndexes?.map((i) => [i.IndexName, i.KeySchema])).toEqual([
      [
        "byStatus",
        [
          { AttributeName: "status", KeyType: "HASH" },
          { AttributeName: "updatedAt", KeyType: "RANGE" },
        ],
      ],
    ]);
    expect(new Map(jobs?.AttributeDefinitions?.map((a) => [a.AttributeName, a.AttributeType]))).toEqual(
      new Map([
        ["jobId", "S"],
        ["status", "S"],
        ["updatedAt", "N"],
      ]),
    );

    const { Table: payments } = await ddb.send(new DescribeTableCommand({ TableName: dynamo.tableNames.payments }));
    expect(payments?.KeySchema).toEqual([
      { AttributeName: "epochKey", KeyType: "HASH" },
      { AttributeName: "paymentId", KeyType: "RANGE" },
    ]);
    expect(payments?.GlobalSecondaryIndexes).toBeUndefined();
  });

  it("rejects the second conditional put of the same key", async () => {
    const ddb = dynamo.client();
    const put = new PutItemCommand({
      TableName: dynamo.tableNames.nonces,
      Item: { senderId: { S: "evm:31337:0xabc" }, next: { N: "1" } },
      ConditionExpression: "attribute_not_exists(senderId)",
    });
    await ddb.send(put);
    await expect(ddb.send(put)).rejects.toBeInstanceOf(ConditionalCheckFailedException);
  });

  it("queries the byStatus GSI in updatedAt order", async () => {
    const ddb = dynamo.client();
    const rows = [
      ["job-a", "pending", 30],
      ["job-b", "done", 10],
      ["job-c", "pending", 20],
    ] as const;
    for (const [jobId, status, updatedAt] of rows) {
      await ddb.send(
        new PutItemCommand({
          TableName: dynamo.tableNames.jobs,
          Item: { jobId: { S: jobId }, status: { S: status }, updatedAt: { N: String(updatedAt) } },
        }),
      );
    }
    const { Items } = await ddb.send(
      new QueryCommand({
        TableName: dynamo.tableNames.jobs,
        IndexName: "byStatus",
        KeyConditionExpression: "#s = :s AND updatedAt < :t",
        ExpressionAttributeNames: { "#s": "status" },
        ExpressionAttributeValues: { ":s": { S: "pending" }, ":t": { N: "100" } },
      }),
    );
    expect(Items?.map((item) => item.jobId?.S)).toEqual(["job-c", "job-a"]);
  });
});

describe("startLocalDynamo instances", () => {
  it("run side by side without sharing data, and close frees the port", async () => {
    const [a, b] = await Promise.all([startLocalDynamo(), startLocalDynamo({ tablePrefix: "b-" })]);
    expect(a.endpoint).not.toBe(b.endpoint);
    const item = { cursorId: { S: "evm:1" } };
    await a.client().send(new PutItemCommand({ TableName: a.tableNames.cursors, Item: item }));
    // The same conditional put succeeds on b: nothing leaks between in-memory stores.
    await b.client().send(
      new PutItemCommand({
        TableName: b.tableNames.cursors,
        Item: item,
        ConditionExpression: "attribute_not_exists(cursorId)",
      }),
    );
    expect(b.tableNames.cursors).toBe("b-Cursors");

    const port = Number(new URL(a.endpoint).port);
    expect(await portIsFree(port)).toBe(false);
    await Promise.all([a.close(), b.close()]);
    expect(await portIsFree(port)).toBe(true);
  });
});
