import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { type LocalDynamo, startLocalDynamo } from "@slabridge/devnet";
import { type SvmChannelRecord, updateSvmChannel } from "@slabridge/gateway";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CorruptRecordError } from "../errors/CorruptRecordError.ts";
import { InvalidStoreInputError } from "../errors/InvalidStoreInputError.ts";
import { DynamoChannelRecordStore } from "./DynamoChannelRecordStore.ts";
import { DynamoSvmChannelStore } from "./DynamoSvmChannelStore.ts";

const record = (n: number, charged: bigint): SvmChannelRecord => ({
  channelId: `0x${n.toString(16).padStart(64, "0")}`,
  payer: "7fTGyhu4LxfBReE4HACeXxArzyHMKAp9PG62kYu3wgBe",
  tokenAccount: "4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T",
  chargedCumulativeAmount: charged.toString(),
  signedCumulativeAmount: charged.toString(),
  signature: "",
});

describe("DynamoSvmChannelStore (dynalite)", () => {
  let dynamo: LocalDynamo;
  let store: DynamoSvmChannelStore;

  beforeAll(async () => {
    dynamo = await startLocalDynamo({ tablePrefix: "svm-channels-" });
    store = new DynamoSvmChannelStore({ client: dynamo.client(), tableName: dynamo.tableNames.channels });
  });
  afterAll(async () => {
    await dynamo.close();
  });

  it("creates once, then writes only on the version it read", async () => {
    expect(await store.put(record(1, 0n), undefined)).toBe(true);
    expect(await store.put(record(1, 5n), undefined)).toBe(false);
    const pending = { ...record(1, 0n), pending: { id: "call-1", expiresAt: 99 } };
    expect(await store.put(pending, 1)).toBe(true);
    expect(await store.put(record(1, 9n), 1)).toBe(false);
    expect(await store.get(`0x${"0".repeat(63)}1`)).toEqual({ record: pending, version: 2 });
    expect(await store.get(`0x${"0".repeat(63)}2`)).toBeUndefined();
  });

  it("serializes concurrent read-modify-writes (each charge counted once)", async () => {
    await store.put(record(3, 0n), undefined);
    const id = record(3, 0n).channelId;
    const add = () =>
      updateSvmChannel(
        store,
        id,
        (current) => {
          const charged = BigInt(current?.chargedCumulativeAmount ?? "0") + 10n;
          return { write: { ...record(3, charged) }, result: charged };
        },
        50,
      );
    await Promise.all([add(), add(), add(), add()]);
    expect((await store.get(id))?.record.chargedCumulativeAmount).toBe("40");
  });

  it("refuses a record that would not read back, and reads a broken item as CorruptRecordError", async () => {
    await expect(store.put({ ...record(4, 0n), chargedCumulativeAmount: "-1" }, undefined)).rejects.toBeInstanceOf(
      InvalidStoreInputError,
    );
    const raw = DynamoDBDocumentClient.from(dynamo.client());
    await raw.send(
      new PutCommand({
        TableName: dynamo.tableNames.channels,
        Item: { channelId: `svm:${record(5, 0n).channelId}`, version: 1, channel: "{" },
      }),
    );
    await expect(store.get(record(5, 0n).channelId)).rejects.toBeInstanceOf(CorruptRecordError);
  });

  it("shares the Channels table with the EVM channels, whose list skips the Solana ones", async () => {
    const evm = new DynamoChannelRecordStore({ client: dynamo.client(), tableName: dynamo.tableNames.channels });
    expect(await evm.list()).toEqual([]);
  });
});
