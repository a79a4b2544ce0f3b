import type { SvmVoucherCheckpoint, SvmVoucherCheckpointStore } from "@slabridge/core";
import { beforeEach, describe, expect, it } from "vitest";

const PAYER = "7fTGyhu4LxfBReE4HACeXxArzyHMKAp9PG62kYu3wgBe";
const TOKEN_ACCOUNT = "4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T";
const channelId = (n: number): string => n.toString(16).padStart(64, "0");

/** A valid checkpoint of channel 1 of model 2 in epoch 41 on chain 9001; override any field. */
function checkpoint(fields: Partial<SvmVoucherCheckpoint> = {}): SvmVoucherCheckpoint {
  return {
    chainId: 9_001,
    modelId: 2n,
    epoch: 41n,
    channelId: channelId(1),
    payer: PAYER,
    tokenAccount: TOKEN_ACCOUNT,
    salt: "00".repeat(32),
    signedCumulative: 10_000n,
    signature: "5a".repeat(64),
    totalClaimed: 7_000n,
    updatedAt: 1_700_000_000_000,
    ...fields,
  };
}

/**
 * The Solana voucher checkpoint store contract, run against core's memory store and the DynamoDB store alike.
 *
 * @example describeSvmVoucherCheckpointStoreContract("memory", async () => new MemorySvmVoucherCheckpointStore());
 */
export function describeSvmVoucherCheckpointStoreContract(
  backend: string,
  fresh: () => Promise<SvmVoucherCheckpointStore>,
): void {
  let store: SvmVoucherCheckpointStore;
  beforeEach(async () => {
    store = await fresh();
  });

  describe(`${backend} SvmVoucherCheckpointStore`, () => {
    it("records a checkpoint and lists it back exactly, bigints included", async () => {
      const big = checkpoint({
        modelId: 2n ** 255n,
        epoch: 2n ** 64n,
        signedCumulative: 2n ** 128n - 1n,
        totalClaimed: 10n ** 37n + 3n, // past 2^53: must come back exact
      });
      expect(await store.record(big)).toBe(true);
      expect(await store.list(9_001, 2n ** 255n, 2n ** 64n)).toEqual([big]);
    });

    it("replaces a checkpoint only with a higher totalClaimed: lower or equal is not written", async () => {
      expect(await store.record(checkpoint({ totalClaimed: 7_000n }))).toBe(true);
      expect(await store.record(checkpoint({ totalClaimed: 6_999n, signature: "01".repeat(64) }))).toBe(false);
      expect(await store.record(checkpoint({ totalClaimed: 7_000n, signature: "02".repeat(64) }))).toBe(false);
      expect(await store.list(9_001, 2n, 41n)).toEqual([checkpoint({ totalClaimed: 7_000n })]);
      const higher = checkpoint({ totalClaimed: 9_000n, signedCumulative: 12_000n, updatedAt: 1_700_000_001_000 });
      expect(await store.record(higher)).toBe(true);
      expect(await store.list(9_001, 2n, 41n)).toEqual([higher]);
    });

    it("keeps the highest of many concurrent records", async () => {
      const amounts = [5n, 900n, 12n, 899n, 1n, 300n, 901n, 0n];
      const results = await Promise.all(amounts.map((totalClaimed) => store.record(checkpoint({ totalClaimed }))));
      expect(results[amounts.indexOf(901n)]).toBe(true);
      const listed = await store.list(9_001, 2n, 41n);
      expect(listed.map((c) => c.totalClaimed)).toEqual([901n]);
    });

    it("lists one (chain, model, epoch) only, ordered by channel id", async () => {
      for (const n of [3, 1, 2]) {
        expect(await store.record(checkpoint({ channelId: channelId(n), totalClaimed: BigInt(n) }))).toBe(true);
      }
      expect(await store.record(checkpoint({ epoch: 42n }))).toBe(true);
      expect(await store.record(checkpoint({ modelId: 3n }))).toBe(true);
      expect(await store.record(checkpoint({ chainId: 9_002 }))).toBe(true);
      const listed = await store.list(9_001, 2n, 41n);
      expect(listed.map((c) => c.channelId)).toEqual([channelId(1), channelId(2), channelId(3)]);
      expect(await store.list(9_001, 2n, 40n)).toEqual([]);
      expect(await store.list(9_001, 3n, 41n)).toHaveLength(1);
      expect(await store.list(9_002, 2n, 41n)).toHaveLength(1);
    });

    it("keys the channel id lowercased, whatever case it is given in", async () => {
      const mixed = checkpoint({ channelId: "AB".repeat(32), salt: "CD".repeat(32), signature: "EF".repeat(64) });
      expect(await store.record(mixed)).toBe(true);
      expect(await store.record({ ...mixed, channelId: "ab".repeat(32) })).toBe(false);
      expect(await store.list(9_001, 2n, 41n)).toEqual([
        { ...mixed, channelId: "ab".repeat(32), salt: "cd".repeat(32), signature: "ef".repeat(64) },
      ]);
    });
  });
}
