import { DeleteCommand, DynamoDBDocumentClient, PutCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { MemorySvmVoucherCheckpointStore, type SvmVoucherCheckpoint } from "@slabridge/core";
import { type LocalDynamo, startLocalDynamo } from "@slabridge/devnet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CorruptRecordError } from "../errors/CorruptRecordError.ts";
import { InvalidStoreInputError } from "../errors/InvalidStoreInputError.ts";
import { DynamoSvmVoucherCheckpointStore } from "./DynamoSvmVoucherCheckpointStore.ts";
import { DynamoVoucherCheckpointStore } from "./DynamoVoucherCheckpointStore.ts";
import { describeSvmVoucherCheckpointStoreContract } from "./describeSvmVoucherCheckpointStoreContract.ts";
import { svmVoucherCheckpointItem } from "./svmVoucherCheckpointItem.ts";

let dynamo: LocalDynamo;
let raw: DynamoDBDocumentClient;
let table: string;

beforeAll(async () => {
  dynamo = await startLocalDynamo({ tablePrefix: "svm-checkpoint-contract-" });
  raw = DynamoDBDocumentClient.from(dynamo.client());
  table = dynamo.tableNames.voucherCheckpoints;
});

afterAll(async () => {
  await dynamo.close();
});

const dynamoStore = () => new DynamoSvmVoucherCheckpointStore({ client: raw, tableName: table });

describeSvmVoucherCheckpointStoreContract("memory", async () => new MemorySvmVoucherCheckpointStore());

describeSvmVoucherCheckpointStoreContract("dynamodb", async () => {
  const { Items = [] } = await raw.send(new ScanCommand({ TableName: table }));
  await Promise.all(
    Items.map((item) =>
      raw.send(new DeleteCommand({ TableName: table, Key: { epochKey: item.epochKey, channelId: item.channelId } })),
    ),
  );
  return dynamoStore();
});

const valid: SvmVoucherCheckpoint = {
  chainId: 9_001,
  modelId: 2n,
  epoch: 7n,
  channelId: "0c".repeat(32),
  payer: "7fTGyhu4LxfBReE4HACeXxArzyHMKAp9PG62kYu3wgBe",
  tokenAccount: "4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T",
  salt: "00".repeat(32),
  signedCumulative: 100n,
  signature: "5a".repeat(64),
  totalClaimed: 60n,
  updatedAt: 1_700_000_000_000,
};

describe("DynamoSvmVoucherCheckpointStore (dynalite)", () => {
  it("shares the EVM checkpoints' table without either store seeing the other's items", async () => {
    const store = dynamoStore();
    expect(await store.record({ ...valid, epoch: 11n })).toBe(true);
    const evm = new DynamoVoucherCheckpointStore({ client: raw, tableName: table });
    expect(await evm.list(9_001, `0x${"ab".repeat(20)}`, 11n)).toEqual([]);
    expect(await store.list(9_001, 2n, 11n)).toEqual([{ ...valid, epoch: 11n }]);
  });

  it("refuses a totalClaimed over 38 digits, and fields that would not read back, with InvalidStoreInputError", async () => {
    const store = dynamoStore();
    const bad: SvmVoucherCheckpoint[] = [
      { ...valid, totalClaimed: 10n ** 38n },
      { ...valid, totalClaimed: -1n },
      { ...valid, modelId: -1n },
      { ...valid, channelId: "0x12" },
      { ...valid, payer: "not base58 0OIl" },
      { ...valid, signature: "5a" },
      { ...valid, chainId: 0 },
    ];
    for (const checkpoint of bad) {
      await expect(store.record(checkpoint)).rejects.toBeInstanceOf(InvalidStoreInputError);
    }
    expect(await store.list(9_001, 2n, 7n)).toEqual([]);
  });

  it("reads an item that does not parse, or whose key disagrees with its fields, as CorruptRecordError", async () => {
    const store = dynamoStore();
    await raw.send(
      new PutCommand({
        TableName: table,
        Item: { epochKey: "9001#model:2#8", channelId: "0e".repeat(32), chainId: 9_001, totalClaimed: 5 },
      }),
    );
    await expect(store.list(9_001, 2n, 8n)).rejects.toBeInstanceOf(CorruptRecordError);
    const { epochKey: _moved, ...item } = svmVoucherCheckpointItem.encode({ ...valid, epoch: 9n });
    await raw.send(new PutCommand({ TableName: table, Item: { ...item, epochKey: "9001#model:2#10" } }));
    const error = await store.list(9_001, 2n, 10n).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorruptRecordError);
    expect(error).toMatchObject({ table, field: "epochKey" });
  });
});
