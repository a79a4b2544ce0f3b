import { type Address, pad, stringToHex, toHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tokenBridgeAbi, wormholeCoreAbi } from "./abis.ts";
import { devnetGuardianAddress } from "./devnetGuardian.ts";
import { readWormholeMessages } from "./readWormholeMessages.ts";
import { signDevnetVaa } from "./signDevnetVaa.ts";
import { defaultEvmDevnetChains, type EvmDevnet, type EvmDevnetChain, startEvmDevnet } from "./startEvmDevnet.ts";
import { submitTransaction } from "./submitTransaction.ts";

describe("Wormhole core on the devnet", () => {
  let devnet: EvmDevnet;
  let a: EvmDevnetChain;
  let b: EvmDevnetChain;

  beforeAll(async () => {
    devnet = await startEvmDevnet({ chains: defaultEvmDevnetChains, tokenBridge: true });
    [a, b] = devnet.manifest.chains as [EvmDevnetChain, EvmDevnetChain];
  });

  afterAll(async () => {
    await devnet?.stop();
  });

  it("runs the devnet guardian as guardian set 0 with distinct Wormhole chain ids", async () => {
    for (const chain of [a, b]) {
      const { publicClient } = devnet.clients(chain.chainId);
      const set = await publicClient.readContract({
        address: chain.wormhole.core,
        abi: wormholeCoreAbi,
        functionName: "getGuardianSet",
        args: [0],
      });
      expect(set.keys).toEqual([devnetGuardianAddress()]);
      expect(
        await publicClient.readContract({
          address: chain.wormhole.core,
          abi: wormholeCoreAbi,
          functionName: "evmChainId",
        }),
      ).toBe(BigInt(chain.chainId));
    }
    expect([a.wormhole.wormholeChainId, b.wormhole.wormholeChainId]).toEqual([10_002, 10_004]);
    expect([a.wormhole.wormholeChain, b.wormhole.wormholeChain]).toEqual(["Sepolia", "BaseSepolia"]);
  });

  it("signs a message published on chain A so chain B's core verifies it, and rejects a tampered VAA", async () => {
    const source = devnet.clients(a.chainId);
    const emitter = devnet.manifest.keys.demo[0]?.address as Address;
    const payload = stringToHex("receipt batch 9: final");
    const receipt = await submitTransaction(source.publicClient, "publishMessage", () =>
      source.wallet(emitter).writeContract({
        address: a.wormhole.core,
        abi: wormholeCoreAbi,
        functionName: "publishMessage",
        args: [7, payload, 1],
      }),
    );
    const [message] = await readWormholeMessages(source, a.wormhole.core, a.wormhole.wormholeChainId, receipt);
    if (!message) throw new Error("no LogMessagePublished");
    expect(message).toMatchObject({ emitterAddress: emitter, sequence: 0n, nonce: 7, consistencyLevel: 1, payload });

    const vaa = signDevnetVaa(message);
    const destination = devnet.clients(b.chainId).publicClient;
    const [vm, valid, reason] = await destination.readContract({
      address: b.wormhole.core,
      abi: wormholeCoreAbi,
      functionName: "parseAndVerifyVM",
      args: [toHex(vaa)],
    });
    expect({ valid, reason }).toEqual({ valid: true, reason: "" });
    expect(vm).toMatchObject({
      emitterChainId: 10_002,
      emitterAddress: pad(emitter.toLowerCase() as Address, { size: 32 }),
      sequence: 0n,
      nonce: 7,
      payload,
      timestamp: message.timestamp,
      guardianSetIndex: 0,
    });

    // Flip one payload byte: the body hash no longer matches the guardian's signature.
    const tampered = new Uint8Array(vaa);
    tampered[tampered.length - 1] = (tampered.at(-1) ?? 0) ^ 0x01;
    const [, tamperedValid, tamperedReason] = await destination.readContract({
      address: b.wormhole.core,
      abi: wormholeCoreAbi,
      functionName: "parseAndVerifyVM",
      args: [toHex(tampered)],
    });
    expect({ valid: tamperedValid, reason: tamperedReason }).toEqual({ valid: false, reason: "VM signature invalid" });
  });

  it("deploys the Token Bridge against the core", async () => {
    const { publicClient } = devnet.clients(a.chainId);
    const bridge = a.wormhole.tokenBridge;
    if (!bridge) throw new Error("no token bridge");
    expect(
      await publicClient.readContract({ address: bridge.proxy, abi: tokenBridgeAbi, functionName: "wormhole" }),
    ).toBe(a.wormhole.core);
    expect(
      await publicClient.readContract({ address: bridge.proxy, abi: tokenBridgeAbi, functionName: "chainId" }),
    ).toBe(10_002);
  });
});
