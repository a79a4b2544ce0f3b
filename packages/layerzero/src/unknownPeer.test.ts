import { layerZeroMessengerAbi, layerZeroMessengerBytecode } from "@slabridge/contracts";
import { encodeMessage } from "@slabridge/core";
import { type Devnet, startDevnet } from "@slabridge/devnet";
import { evmChainsOf } from "@slabridge/evm";
import { type Address, type Hex, pad } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PacketRefusedError } from "./errors/PacketRefusedError.ts";
import { lzReceiveOptions } from "./lzReceiveOptions.ts";
import {
  demoAccount,
  devnetTransport,
  escrowListing,
  HOME,
  PAYMENT,
  publishFreshListing,
} from "./testing/lzDevnetFixture.ts";

const ROGUE_MODEL_ID = 999_999n;

describe("LayerZeroTransport: a packet from a messenger that is not the receiver's peer", () => {
  let devnet: Devnet;

  beforeAll(async () => {
    devnet = await startDevnet({ hosts: [], signer: "anvil" });
  });

  afterAll(async () => {
    await devnet?.stop();
  });

  /** Deploys a second LayerZeroMessenger on the home chain, wired towards evm-a but never made evm-a's peer. */
  async function deployRogueMessenger(sender: Address): Promise<Address> {
    const home = evmChainsOf(devnet.manifest).find((c) => c.chainId === HOME);
    const payment = evmChainsOf(devnet.manifest).find((c) => c.chainId === PAYMENT);
    if (!home || !payment) throw new Error("chains");
    const deployer = devnet.manifest.keys.deployer;
    if (deployer.kind !== "anvil-dev-account") throw new Error("deployer key");
    const { publicClient, wallet } = devnet.evm.clients(HOME);
    const owner = wallet(deployer.address);
    const deployHash = await owner.deployContract({
      abi: layerZeroMessengerAbi,
      bytecode: layerZeroMessengerBytecode,
      args: [home.layerZero.endpointV2, deployer.address],
    });
    const { contractAddress } = await publicClient.waitForTransactionReceipt({ hash: deployHash });
    if (!contractAddress) throw new Error("no contract address");
    const rogue = { address: contractAddress, abi: layerZeroMessengerAbi } as const;
    const eidA = payment.layerZero.eid;
    for (const hash of [
      await owner.writeContract({ ...rogue, functionName: "setChain", args: [PAYMENT, eidA] }),
      await owner.writeContract({
        ...rogue,
        functionName: "setPeer",
        args: [eidA, pad(payment.contracts.layerZeroMessenger)],
      }),
      await owner.writeContract({
        ...rogue,
        functionName: "setEnforcedOptions",
        args: [[{ eid: eidA, msgType: 1, options: lzReceiveOptions(300_000n) }]],
      }),
      await owner.writeContract({ ...rogue, functionName: "setSender", args: [sender, true] }),
    ]) {
      expect((await publicClient.waitForTransactionReceipt({ hash })).status).toBe("success");
    }
    return contractAddress;
  }

  it("is reported failed and refused with OnlyPeer before any gas is spent; the escrow is untouched", async () => {
    const sender = demoAccount(devnet, 0);
    const rogue = await deployRogueMessenger(sender);
    const message = encodeMessage({
      kind: "ModelListing",
      modelId: ROGUE_MODEL_ID,
      genesis: 1n,
      epochSeconds: 60n,
      fromEpoch: 0n,
      pricePerRequest: 1n,
      active: true,
      version: 1,
      verdictGraceEpochs: 2,
    });
    const { publicClient, wallet } = devnet.evm.clients(HOME);
    const fee = await publicClient.readContract({
      address: rogue,
      abi: layerZeroMessengerAbi,
      functionName: "quote",
      args: [PAYMENT, message],
    });
    const sendHash: Hex = await wallet(sender).writeContract({
      address: rogue,
      abi: layerZeroMessengerAbi,
      functionName: "send",
      args: [PAYMENT, message],
      value: fee,
    });
    expect((await publicClient.waitForTransactionReceipt({ hash: sendHash })).status).toBe("success");

    const { transport, sent } = devnetTransport(devnet);
    const [ref] = await transport.messagesIn(HOME, sendHash);
    if (!ref) throw new Error("the rogue packet is not found");
    expect(await transport.status(ref, PAYMENT)).toBe("failed");

    const error = await transport.deliver(ref, PAYMENT).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PacketRefusedError);
    expect(error).toMatchObject({ name: "PacketRefusedError", retryable: false });
    expect(["OnlyPeer", "NoPeer"]).toContain((error as PacketRefusedError).reason);
    expect((error as Error).message).toMatch(/OnlyPeer|NoPeer/);
    expect(sent).toEqual([]);
    expect((await escrowListing(devnet, ROGUE_MODEL_ID)).epochSeconds).toBe(0n);
    expect(await transport.status(ref, PAYMENT)).toBe("failed");

    // The legitimate pathway is unaffected by the refused packet.
    const { modelId, sourceTransaction } = await publishFreshListing(devnet, transport);
    const [good] = await transport.messagesIn(HOME, sourceTransaction);
    if (!good) throw new Error("no ref");
    expect((await transport.deliver(good, PAYMENT)).status).toBe("delivered");
    expect((await escrowListing(devnet, modelId)).epochSeconds).toBe(3600n);
  });
});
