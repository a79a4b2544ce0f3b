import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { type LocalDynamo, startLocalDynamo } from "@slabridge/devnet";
import { type Channel, VersionedChannelStorage } from "@slabridge/gateway";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CorruptRecordError } from "../errors/CorruptRecordError.ts";
import { DynamoChannelRecordStore } from "./DynamoChannelRecordStore.ts";

const ZERO = `0x${"00".repeat(20)}` as const;

function channel(id: `0x${string}`, charged: bigint): Channel {
  return {
    channelId: id,
    channelConfig: {
      payer: ZERO,
      payerAuthorizer: ZERO,
      receiver: ZERO,
      receiverAuthorizer: ZERO,
      token: ZERO,
      withdrawDelay: 900,
      salt: `0x${"00".repeat(32)}`,
    },
    chargedCumulativeAmount: charged.toString(),
    signedMaxClaimable: charged.toString(),
    signature: "0x",
    balance: "1000",
    totalClaimed: "0",
    withdrawRequestedAt: 0,
    refundNonce: 0,
    lastRequestTimestamp: 0,
    pendingRequest: { pendingId: "p1", signedMaxClaimable: "10", expiresAt: 5 },
  };
}

describe("DynamoChannelRecordStore (dynalite)", () => {
  let dynamo: LocalDynamo;
  let store: DynamoChannelRecordStore;

  beforeAll(async () => {
    dynamo = await startLocalDynamo({ tablePrefix: "channels-" });
    store = new DynamoChannelRecordStore({ client: dynamo.client(), tableName: dynamo.tableNames.channels });
  });

  afterAll(async () => {
    await dynamo?.close();
  });

  it("writes only on the version it read: create once, then each update names the previous version", async () => {
    const id = `0x${"a1".repeat(32)}` as const;
    expect(await store.put(channel(id, 0n), undefined)).toBe(true);
    expect(await store.put(channel(id, 0n), undefined)).toBe(false);
    expect(await store.get(id.toUpperCase().replace("0X", "0x"))).toEqual({ channel: channel(id, 0n), version: 1 });
    expect(await store.put(channel(id, 5n), 2)).toBe(false);
    expect(await store.put(channel(id, 5n), 1)).toBe(true);
    expect(await store.delete(id, 1)).toBe(false);
    expect(await store.delete(id, 2)).toBe(true);
    expect(await store.get(id)).toBeUndefined();
  });

  it("gives the SDK an atomic updateChannel across concurrent writers: no charge is lost or doubled", async () => {
    const id = `0x${"b2".repeat(32)}` as const;
    // Two storages over one table stand for two gateway instances.
    const instances = [0, 1].map(
      () =>
        new VersionedChannelStorage(
          new DynamoChannelRecordStore({ client: dynamo.client(), tableName: dynamo.tableNames.channels }),
        ),
    );
    await instances[0]?.updateChannel(id, () => channel(id, 0n));
    const charge = (current: Channel | undefined) =>
      current && { ...current, chargedCumulativeAmount: (BigInt(current.chargedCumulativeAmount) + 3n).toString() };
    await Promise.all(Array.from({ length: 6 }, (_, i) => instances[i % 2]?.updateChannel(id, charge)));
    expect((await store.get(id))?.channel.chargedCumulativeAmount).toBe("18");
    expect((await store.list()).map((c) => c.channelId)).toContain(id);
  });

  it("reads an item that does not parse as a CorruptRecordError naming the table and field", async () => {
    const raw = DynamoDBDocumentClient.from(dynamo.client());
    const id = `0x${"c3".repeat(32)}`;
    await raw.send(
      new PutCommand({
        TableName: dynamo.tableNames.channels,
        Item: { channelId: id, version: 1, channel: JSON.stringify({ channelId: id, balance: -1 }) },
      }),
    );
    const error = await store.get(id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorruptRecordError);
    expect(error).toMatchObject({ table: dynamo.tableNames.channels, field: "channel" });
  });
});
