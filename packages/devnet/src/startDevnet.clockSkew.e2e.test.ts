import { escrowAbi } from "@slabridge/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devnetChainsOf } from "./devnetChainsOf.ts";
import { type Devnet, startDevnet } from "./startDevnet.ts";
import { DevnetScenario } from "./testing/DevnetScenario.ts";

// Each anvil keeps its own clock, and anvil's start can leave one a second (more under load) behind the others. The
// models' genesis is the home chain's clock at mint, so a payment chain whose clock lags it has not reached genesis
// yet: its escrow's `currentEpoch` reverts BeforeGenesis, and so would a payment. A devnet is ready only once every
// model's genesis has begun on every EVM chain.
const PAYMENT = 31_337;
const LAG_SECONDS = 10;
let devnet: Devnet;

beforeAll(async () => {
  devnet = await startDevnet({ epochSeconds: 3, hosts: ["healthy"], evmClockLagSeconds: { [PAYMENT]: LAG_SECONDS } });
}, 60_000);

afterAll(async () => {
  await devnet?.stop();
});

describe("startDevnet with a payment chain whose clock lags the home chain's", () => {
  it("is ready only once every model's genesis has begun on every EVM chain: a buyer can pay at once", async () => {
    for (const chain of devnetChainsOf(devnet.manifest).evm) {
      const { publicClient } = devnet.evm.clients(chain.chainId);
      const latest = await publicClient.getBlock();
      for (const model of devnet.manifest.models) {
        expect(latest.timestamp).toBeGreaterThanOrEqual(BigInt(model.genesis));
        const escrow = chain.contracts.escrow;
        if (!escrow) continue;
        const epoch = await publicClient.readContract({
          address: escrow,
          abi: escrowAbi,
          functionName: "currentEpoch",
          args: [BigInt(model.modelId)],
        });
        expect(epoch).toBeGreaterThanOrEqual(0n);
      }
    }
    const [model] = devnet.manifest.models;
    if (!model) throw new Error("no model");
    const payment = await new DevnetScenario(devnet).pay(PAYMENT, BigInt(model.modelId), 0, 1n);
    expect(payment.amount).toBe(BigInt(model.pricePerRequest));
  }, 30_000);
});
