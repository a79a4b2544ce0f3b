import { ScanCommand as RawScanCommand } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { MemoryVoucherCheckpointStore, type VoucherCheckpoint } from "@slabridge/core";
import { type LocalDynamo, startLocalDynamo } from "@slabridge/devnet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CorruptRecordError } from "../errors/CorruptRecordError.ts";
import { InvalidStoreInputError } from "../errors/InvalidStoreInputError.ts";
import { DynamoVoucherCheckpointStore } from "./DynamoVoucherCheckpointStore.ts";
import { describeVoucherCheckpointStoreContract } from "./describeVoucherCheckpointStoreContract.ts";

let dynamo: LocalDynamo;
let raw: DynamoDBDocumentClient;
let table: string;

beforeAll(async () => {
  dynamo = await startLocalDynamo({ tablePrefix: "checkpoint-contract-" });
  raw = DynamoDBDocumentClient.from(dynamo.client());
  table = dynamo.tableNames.voucherCheckpoints;
});

afterAll(async () => {
  await dynamo.close();
});

const dynamoStore = () => new DynamoVoucherCheckpointStore({ client: raw, tableName: table });

describeVoucherCheckpointStoreContract("memory", async () => new MemoryVoucherCheckpointStore());

describeVoucherCheckpointStoreContract("dynamodb", async () => {
  const { Items = [] } = await raw.send(new ScanCommand({ TableName: table }));
  await Promise.all(
    Items.map((item) =>
      raw.send(new DeleteCommand({ TableName: table, Key: { epochKey: item.epochKey, channelId: item.channelId } })),
    ),
  );
  return dynamoStore();
});

const RECEIVER = `0x${"ef".repeat(20)}` as const;
const valid: VoucherCheckpoint = {
  chainId: 31_337,
  receiver: RECEIVER,
  modelId: 2n,
  epoch: 7n,
  channelId: `0x${"0c".repeat(32)}`,
  channel: {
    payer: `0x${"11".repeat(20)}`,
    payerAuthorizer: `0x${"00".repeat(20)}`,
    receiver: RECEIVER,
    receiverAuthorizer: RECEIVER,
    token: `0x${"22".repeat(20)}`,
    withdrawDelay: 900,
    salt: `0x${"00".repeat(32)}`,
  },
  maxClaimableAmount: 100n,
  signature: `0x${"5a".repeat(65)}`,
  totalClaimed: 60n,
  updatedAt: 1_700_000_000_000,
};

describe("DynamoVoucherCheckpointStore (dynalite)", () => {
  it("stores totalClaimed as a DynamoDB number and the other bigints as decimal strings", async () => {
    const store = dynamoStore();
    const checkpoint = { ...valid, channelId: `0x${"0d".repeat(32)}` as const, totalClaimed: 10n ** 38n - 1n };
    expect(await store.record(checkpoint)).toBe(true);
    const plain = dynamo.client();
    const { Items = [] } = await plain.send(new RawScanCommand({ TableName: table }));
    const item = Items.find((candidate) => candidate.channelId?.S === checkpoint.channelId);
    expect(item?.totalClaimed).toEqual({ N: "9".repeat(38) });
    expect(item?.maxClaimableAmount).toEqual({ S: "100" });
    expect(item?.epochKey).toEqual({ S: `31337#${RECEIVER}#7` });
    // The comparison is numeric, not by string: 10^38 - 1 beats 2 but not the other way round.
    expect(await store.record({ ...checkpoint, totalClaimed: 2n })).toBe(false);
  });

  it("refuses a totalClaimed over 38 digits, and fields that would not read back, with InvalidStoreInputError", async () => {
    const store = dynamoStore();
    const bad: VoucherCheckpoint[] = [
      { ...valid, totalClaimed: 10n ** 38n },
      { ...valid, totalClaimed: -1n },
      { ...valid, modelId: -1n },
      { ...valid, receiver: "0x1234" },
      { ...valid, channelId: "0x12" },
      { ...valid, signature: "0x1" },
      { ...valid, channel: { ...valid.channel, withdrawDelay: -5 } },
      { ...valid, chainId: 0 },
    ];
    for (const checkpoint of bad) {
      await expect(store.record(checkpoint)).rejects.toBeInstanceOf(InvalidStoreInputError);
    }
    expect(await store.list(31_337, RECEIVER, 7n)).toEqual([]);
  });

  it("reads an item that does not parse, or whose key disagrees with its fields, as CorruptRecordError", async () => {
    const store = dynamoStore();
    const epochKey = `31337#${RECEIVER}#8`;
    await raw.send(
      new PutCommand({
        TableName: table,
        Item: { epochKey, channelId: `0x${"0e".repeat(32)}`, chainId: 31_337, totalClaimed: 5 },
      }),
    );
    await expect(store.list(31_337, RECEIVER, 8n)).rejects.toBeInstanceOf(CorruptRecordError);
    const moved = { ...valid, epoch: 9n };
    await dynamoStore().record(moved);
    await raw.send(
      new PutCommand({
        TableName: table,
        Item: {
          epochKey: `31337#${RECEIVER}#10`,
          channelId: valid.channelId,
          chainId: 31_337,
          receiver: RECEIVER,
          modelId: "2",
          epoch: "9",
          channel: valid.channel,
          maxClaimableAmount: "100",
          signature: valid.signature,
          totalClaimed: 60,
          updatedAt: 1,
        },
      }),
    );
    const error = await store.list(31_337, RECEIVER, 10n).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorruptRecordError);
    expect(error).toMatchObject({ table, field: "epochKey" });
  });
});
