import type { Channel } from "@x402/evm/batch-settlement/server";
import { describe, expect, it } from "vitest";
import type { ChannelRecordStore } from "./ChannelRecordStore.ts";
import { ChannelWriteConflictError } from "./ChannelWriteConflictError.ts";
import { MemoryChannelRecordStore } from "./MemoryChannelRecordStore.ts";
import { VersionedChannelStorage } from "./VersionedChannelStorage.ts";

const ID = `0x${"ab".repeat(32)}` as const;
const ZERO = `0x${"00".repeat(20)}` as const;

function channel(charged: bigint): Channel {
  return {
    channelId: ID,
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
    signedMaxClaimable: "0",
    signature: "0x",
    balance: "1000",
    totalClaimed: "0",
    withdrawRequestedAt: 0,
    refundNonce: 0,
    lastRequestTimestamp: 0,
  };
}

/** A memory store whose reads yield first, so concurrent updates really interleave between read and write. */
function slowReads(store: ChannelRecordStore): ChannelRecordStore {
  return {
    get: async (id) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return store.get(id);
    },
    list: () => store.list(),
    put: (value, version) => store.put(value, version),
    delete: (id, version) => store.delete(id, version),
  };
}

describe("VersionedChannelStorage", () => {
  it("creates, updates, leaves unchanged and deletes, reporting each status", async () => {
    const storage = new VersionedChannelStorage(new MemoryChannelRecordStore());
    expect(await storage.updateChannel(ID, () => undefined)).toEqual({ channel: undefined, status: "unchanged" });
    expect((await storage.updateChannel(ID, () => channel(0n))).status).toBe("updated");
    expect((await storage.updateChannel(ID.toUpperCase().replace("0X", "0x"), (c) => c)).status).toBe("unchanged");
    expect((await storage.get(ID))?.chargedCumulativeAmount).toBe("0");
    expect(await storage.updateChannel(ID, () => undefined)).toEqual({ channel: undefined, status: "deleted" });
    expect(await storage.list()).toEqual([]);
  });

  it("serializes concurrent read-modify-writes: no increment is lost", async () => {
    const storage = new VersionedChannelStorage(slowReads(new MemoryChannelRecordStore()));
    await storage.updateChannel(ID, () => channel(0n));
    const increment = (current: Channel | undefined) =>
      current && { ...current, chargedCumulativeAmount: (BigInt(current.chargedCumulativeAmount) + 1n).toString() };
    await Promise.all(Array.from({ length: 8 }, () => storage.updateChannel(ID, increment)));
    expect((await storage.get(ID))?.chargedCumulativeAmount).toBe("8");
  });

  it("gives up with a typed, retryable error when every conditional write loses", async () => {
    const memory = new MemoryChannelRecordStore();
    const losing: ChannelRecordStore = { ...slowReads(memory), put: async () => false };
    const storage = new VersionedChannelStorage(losing, 3);
    const error = await storage.updateChannel(ID, () => channel(1n)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelWriteConflictError);
    expect(error).toMatchObject({ retryable: true });
  });
});
