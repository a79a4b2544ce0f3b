import { InvalidNetEventError } from "@slabridge/netting";
import { MemoryCursorStore } from "@slabridge/store";
import { describe, expect, it } from "vitest";
import type { NettingWorld } from "./context/netting/buildNettingWorld.ts";
import { createNetHandler } from "./net.ts";

function fakeWorld(): NettingWorld & { runs: string[] } {
  const runs: string[] = [];
  return {
    runs,
    models: [7n],
    lookbackEpochs: 2,
    cursors: new MemoryCursorStore(),
    chains: {
      vaultChains: [31_337],
      currentEpoch: async () => 4n,
      status: async (_modelId, epoch) => [{ chainId: 31_337, paid: true, paidOut: epoch === 3n }],
      blockNumber: async () => 12n,
      run: async ({ roundId }) => {
        runs.push(roundId);
        return {
          roundId,
          plan: { shares: [], payouts: [], positions: [], transfers: [] },
          bridged: [],
          paid: [{ chain: 31_337, account: "0xaa", amount: 5n, stepId: "0x01", transactionHash: "0x02", sent: true }],
          openBalances: [],
          solanaPayouts: [],
        };
      },
    },
  };
}

describe("net handler", () => {
  it("nets the due rounds and returns JSON (amounts as strings)", async () => {
    const world = fakeWorld();
    const net = createNetHandler(async () => world);
    const result = await net({ source: "aws.scheduler", time: "2026-11-27T21:00:00Z" });
    expect(world.runs).toEqual(["net:7:3"]);
    expect(result.notDue).toEqual(["net:7:2"]);
    expect(result.netted[0]?.paid).toEqual([{ chain: 31_337, account: "0xaa", amount: "5", transactionHash: "0x02" }]);
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
    expect((await net(undefined)).alreadyNetted).toEqual(["net:7:3"]);
    expect(world.runs).toHaveLength(1);
  });

  it("refuses an event that is not a schedule event, reading nothing", async () => {
    let built = false;
    const net = createNetHandler(async () => {
      built = true;
      return fakeWorld();
    });
    await expect(net("now")).rejects.toThrow(InvalidNetEventError);
    await expect(net(42)).rejects.toMatchObject({ name: "InvalidNetEventError", retryable: false });
    expect(built).toBe(false);
  });
});
