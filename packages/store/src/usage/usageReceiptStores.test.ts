import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { MemoryUsageReceiptStore, type SignedUsageReceipt, type UsageReceiptStore } from "@slabridge/core";
import { type LocalDynamo, startLocalDynamo } from "@slabridge/devnet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CorruptRecordError } from "../errors/CorruptRecordError.ts";
import { DynamoUsageReceiptStore } from "./DynamoUsageReceiptStore.ts";
import { usageReceiptItem } from "./usageReceiptItem.ts";

let dynamo: LocalDynamo;
let raw: DynamoDBDocumentClient;

beforeAll(async () => {
  dynamo = await startLocalDynamo({ tablePrefix: "usage-receipts-" });
  raw = DynamoDBDocumentClient.from(dynamo.client());
});

afterAll(async () => {
  await dynamo.close();
});

const signed = (n: number, epoch = 7n, served = true): SignedUsageReceipt => ({
  chainId: 31_337,
  receipt: {
    requestHash: `0x${n.toString(16).padStart(64, "0")}`,
    model: "llama",
    modelId: 2n,
    epoch,
    channelId: `0x${"c1".repeat(32)}`,
    payer: `0x${"00".repeat(12)}${"ab".repeat(20)}`,
    inputTokens: 12n,
    outputTokens: served ? 24n : 0n,
    served,
    charge: served ? 10n ** 30n : 0n,
    cumulative: served ? 10n ** 30n * BigInt(n) : 0n,
    ttfbMs: 80,
    latencyMs: 95,
    startedAt: 1_700_000_000_000n + BigInt(n),
    finishedAt: 1_700_000_000_100n + BigInt(n),
  },
  signature: `0x${n.toString(16).padStart(2, "0").repeat(65)}`,
});

const stores: [string, () => UsageReceiptStore][] = [
  ["memory", () => new MemoryUsageReceiptStore()],
  ["dynamodb", () => new DynamoUsageReceiptStore({ client: raw, tableName: `${dynamo.tableNames.usageReceipts}` })],
];

describe.each(stores)("UsageReceiptStore (%s)", (_, make) => {
  it("lists an epoch's receipts exactly as recorded, once each, and no other epoch's", async () => {
    const store = make();
    const epoch = BigInt(Math.floor(Math.random() * 1e9));
    const a = signed(1, epoch);
    const b = signed(2, epoch, false);
    await store.record(a);
    await store.record(b);
    await store.record(a); // a retry of the same receipt
    await store.record(signed(3, epoch + 1n));
    expect(await store.listEpoch(2n, epoch)).toEqual([a, b]);
    expect(await store.listEpoch(3n, epoch)).toEqual([]);
  });
});

describe("DynamoUsageReceiptStore", () => {
  it("refuses to read an item whose key disagrees with its receipt", async () => {
    const tableName = dynamo.tableNames.usageReceipts;
    const store = new DynamoUsageReceiptStore({ client: raw, tableName });
    // A receipt of epoch 99 stored under epoch 100's key.
    const item = { ...usageReceiptItem.encode(signed(9, 99n)), epochKey: "2#100" };
    await raw.send(new PutCommand({ TableName: tableName, Item: item }));
    await expect(store.listEpoch(2n, 100n)).rejects.toBeInstanceOf(CorruptRecordError);
  });
});
