import type { VoucherCheckpoint, VoucherCheckpointStore } from "@slabridge/core";
import { beforeEach, describe, expect, it } from "vitest";

const RECEIVER = `0x${"ab".repeat(20)}` as const;
const OTHER_RECEIVER = `0x${"cd".repeat(20)}` as const;
const channelId = (n: number): `0x${string}` => `0x${n.toString(16).padStart(64, "0")}`;

/** A valid checkpoint of channel 1 in epoch 41 on chain 31337; override any field. */
function checkpoint(fields: Partial<VoucherCheckpoint> = {}): VoucherCheckpoint {
  return {
    chainId: 31_337,
    receiver: RECEIVER,
    modelId: 2n,
    epoch: 41n,
    channelId: channelId(1),
    channel: {
      payer: `0x${"11".repeat(20)}`,
      payerAuthorizer: `0x${"00".repeat(20)}`,
      receiver: "0xAbAbabABAbAbabABABABabABabAbABaBAbABABab",
      receiverAuthorizer: "0xAbAbabABAbAbabABABABabABabAbABaBAbABABab",
      token: `0x${"22".repeat(20)}`,
      withdrawDelay: 900,
      salt: `0x${"00".repeat(32)}`,
    },
    maxClaimableAmount: 10_000n,
    signature: `0x${"5a".repeat(65)}`,
    totalClaimed: 7_000n,
    updatedAt: 1_700_000_000_000,
    ...fields,
  };
}

/**
 * The voucher checkpoint store contract, run against core's memory store and the DynamoDB store alike.
 *
 * @example describeVoucherCheckpointStoreContract("memory", async () => new MemoryVoucherCheckpointStore());
 */
export function describeVoucherCheckpointStoreContract(
  backend: string,
  fresh: () => Promise<VoucherCheckpointStore>,
): void {
  let store: VoucherCheckpointStore;
  beforeEach(async () => {
    store = await fresh();
  });

  describe(`${backend} VoucherCheckpointStore`, () => {
    it("records a checkpoint and lists it back exactly, bigints included", async () => {
      const big = checkpoint({
        modelId: 2n ** 255n,
        epoch: 2n ** 64n,
        maxClaimableAmount: 2n ** 128n - 1n,
        totalClaimed: 10n ** 37n + 3n, // past 2^53: must come back exact
      });
      expect(await store.record(big)).toBe(true);
      expect(await store.list(31_337, RECEIVER, 2n ** 64n)).toEqual([big]);
    });

    it("replaces a checkpoint only with a higher totalClaimed: lower or equal is not written", async () => {
      expect(await store.record(checkpoint({ totalClaimed: 7_000n }))).toBe(true);
      expect(await store.record(checkpoint({ totalClaimed: 6_999n, signature: `0x${"01".repeat(65)}` }))).toBe(false);
      expect(await store.record(checkpoint({ totalClaimed: 7_000n, signature: `0x${"02".repeat(65)}` }))).toBe(false);
      expect(await store.list(31_337, RECEIVER, 41n)).toEqual([checkpoint({ totalClaimed: 7_000n })]);
      const higher = checkpoint({ totalClaimed: 9_000n, maxClaimableAmount: 12_000n, updatedAt: 1_700_000_001_000 });
      expect(await store.record(higher)).toBe(true);
      expect(await store.list(31_337, RECEIVER, 41n)).toEqual([higher]);
    });

    it("keeps the highest of many concurrent records", async () => {
      const amounts = [5n, 900n, 12n, 899n, 1n, 300n, 901n, 0n];
      const results = await Promise.all(amounts.map((totalClaimed) => store.record(checkpoint({ totalClaimed }))));
      expect(results[amounts.indexOf(901n)]).toBe(true); // the highest always writes
      const listed = await store.list(31_337, RECEIVER, 41n);
      expect(listed.map((c) => c.totalClaimed)).toEqual([901n]);
      expect(await store.record(checkpoint({ totalClaimed: 901n }))).toBe(false);
    });

    it("lists one (chain, receiver, epoch) only, ordered by channel id", async () => {
      const inEpoch = [3, 1, 2].map((n) => checkpoint({ channelId: channelId(n), totalClaimed: BigInt(n) }));
      for (const c of inEpoch) expect(await store.record(c)).toBe(true);
      expect(await store.record(checkpoint({ epoch: 42n }))).toBe(true);
      expect(await store.record(checkpoint({ receiver: OTHER_RECEIVER }))).toBe(true);
      expect(await store.record(checkpoint({ chainId: 31_338 }))).toBe(true);
      const listed = await store.list(31_337, RECEIVER, 41n);
      expect(listed.map((c) => c.channelId)).toEqual([channelId(1), channelId(2), channelId(3)]);
      expect(await store.list(31_337, RECEIVER, 40n)).toEqual([]);
      expect(await store.list(31_337, OTHER_RECEIVER, 41n)).toHaveLength(1);
      expect(await store.list(31_338, RECEIVER, 41n)).toHaveLength(1);
    });

    it("keys receiver and channel id lowercased, whatever case they are given or asked in", async () => {
      const mixed = checkpoint({
        receiver: "0xABABABABABABABABABABABABABABABABABABABAB",
        channelId: `0x${"AB".repeat(32)}`,
      });
      expect(await store.record(mixed)).toBe(true);
      expect(await store.record({ ...mixed, channelId: `0x${"ab".repeat(32)}` })).toBe(false);
      const listed = await store.list(31_337, "0xABABABABABABABABABABABABABABABABABABABAB", 41n);
      expect(listed).toEqual([{ ...mixed, receiver: RECEIVER, channelId: `0x${"ab".repeat(32)}` }]);
    });
  });
}
