import { escrowAbi } from "@slabridge/contracts";
import { type Address, createTestClient, http } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devnetStablecoinAbi } from "../evm/abis.ts";
import { type Devnet, startDevnet } from "../startDevnet.ts";
import { DevnetScenario } from "../testing/DevnetScenario.ts";
import { DemoTraffic } from "./DemoTraffic.ts";
import { payGasLimit } from "./payGasLimit.ts";

// A payment's gas is estimated at the latest block. Sent in an epoch's last second, it is mined in the next epoch,
// where it writes that epoch's record for the first time: the bare estimate runs out of gas (seen as a demo payment
// reverting with "gas used 80374 of 80374").
const CHAIN = 31_337;
const EPOCH_SECONDS = 30;
let devnet: Devnet;

beforeAll(async () => {
  devnet = await startDevnet({ epochSeconds: EPOCH_SECONDS, hosts: ["healthy"] });
}, 60_000);

afterAll(async () => {
  await devnet?.stop();
});

describe("a payment estimated in one epoch and mined in the next", () => {
  it("runs out of gas with the bare estimate and lands with payGasLimit", async () => {
    const [model] = devnet.manifest.models;
    if (!model) throw new Error("the devnet lists no model");
    const modelId = BigInt(model.modelId);
    await new DevnetScenario(devnet).pay(CHAIN, modelId, 0, 1n); // this epoch's record exists now

    const chain = devnet.manifest.chains.find((c) => c.family === "evm" && c.chainId === CHAIN);
    if (chain?.family !== "evm" || !chain.contracts.escrow) throw new Error("no escrow on evm-a");
    const escrow = chain.contracts.escrow as Address;
    const [buyer] = new DemoTraffic(devnet).evmBuyers();
    if (!buyer) throw new Error("no demo buyer");
    const { publicClient, wallet } = devnet.evm.clients(CHAIN);
    const amount = BigInt(model.pricePerRequest);
    const payer = wallet(buyer);
    const approve = await payer.writeContract({
      address: chain.stablecoin.address as Address,
      abi: devnetStablecoinAbi,
      functionName: "approve",
      args: [escrow, amount * 2n],
    });
    await publicClient.waitForTransactionReceipt({ hash: approve });

    const bare = await publicClient.estimateContractGas({
      address: escrow,
      abi: escrowAbi,
      functionName: "pay",
      args: [modelId, amount],
      account: buyer,
    });
    const limit = await payGasLimit(publicClient, { escrow, buyer, modelId, amount });
    const epoch = await publicClient.readContract({
      address: escrow,
      abi: escrowAbi,
      functionName: "currentEpoch",
      args: [modelId],
    });

    // The next block opens the next epoch.
    const [url] = publicClient.chain.rpcUrls.default.http;
    const test = createTestClient({
      chain: publicClient.chain,
      mode: "anvil",
      transport: http(url, { retryCount: 0 }),
    });
    await test.setNextBlockTimestamp({ timestamp: BigInt(model.genesis) + (epoch + 1n) * BigInt(EPOCH_SECONDS) });
    const short = await payer.writeContract({
      address: escrow,
      abi: escrowAbi,
      functionName: "pay",
      args: [modelId, amount],
      gas: bare,
    });
    const shortReceipt = await publicClient.waitForTransactionReceipt({ hash: short });
    expect(shortReceipt.status).toBe("reverted");
    expect(shortReceipt.gasUsed).toBe(bare); // out of gas, not a revert with a reason

    const paid = await payer.writeContract({
      address: escrow,
      abi: escrowAbi,
      functionName: "pay",
      args: [modelId, amount],
      gas: limit,
    });
    const receipt = await publicClient.waitForTransactionReceipt({ hash: paid });
    expect(receipt.status).toBe("success");
    const record = await publicClient.readContract({
      address: escrow,
      abi: escrowAbi,
      functionName: "currentEpoch",
      args: [modelId],
    });
    expect(record).toBe(epoch + 1n);
  }, 60_000);
});
