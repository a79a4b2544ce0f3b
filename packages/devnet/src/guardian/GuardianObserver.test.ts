import { deserialize } from "@wormhole-foundation/sdk-definitions";
import { type Address, bytesToHex, type Hex, pad, toHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { wormholeCoreAbi } from "../evm/abis.ts";
import { deployWormhole, type WormholeDeployment } from "../evm/deployWormhole.ts";
import { createDevnetClients } from "../evm/devnetClients.ts";
import { type AnvilInstance, startAnvil } from "../evm/startAnvil.ts";
import { submitTransaction } from "../evm/submitTransaction.ts";
import type { ObservedMessage, WormholeLogSource } from "./createViemLogSource.ts";
import { createViemLogSource } from "./createViemLogSource.ts";
import { devnetVaaSigner } from "./devnetVaaSigner.ts";
import type { GuardianError } from "./GuardianError.ts";
import { GuardianObserver } from "./GuardianObserver.ts";
import { startDevnetGuardian } from "./startDevnetGuardian.ts";
import { startGuardianApi } from "./startGuardianApi.ts";
import type { VaaSigner } from "./VaaBody.ts";
import { VaaStore } from "./VaaStore.ts";

const sender: Address = "0x00000000000000000000000000000000000000e1";

/** An in-memory chain: tests append messages to blocks and move the head. */
function fakeChain() {
  const messages: ObservedMessage[] = [];
  const calls: [bigint, bigint][] = [];
  let head = 0n;
  let failNext = false;
  const source: WormholeLogSource = {
    latestBlock: async () => head,
    messages: async (from, to) => {
      calls.push([from, to]);
      if (failNext) {
        failNext = false;
        throw new Error("connect ECONNREFUSED http://127.0.0.1:1/?apikey=secret");
      }
      return messages.filter((m) => m.blockNumber >= from && m.blockNumber <= to);
    },
  };
  return {
    source,
    calls,
    publish(blockNumber: bigint, sequence: bigint, payload: Hex, logIndex = 0) {
      messages.push({
        sender,
        sequence,
        nonce: 1,
        payload,
        consistencyLevel: 200,
        timestamp: 1000,
        blockNumber,
        logIndex,
      });
      if (blockNumber > head) head = blockNumber;
    },
    failOnce() {
      failNext = true;
    },
  };
}

describe("GuardianObserver with a fake log source", () => {
  it("signs each message once under (chain, padded sender, sequence) and moves its cursor", async () => {
    const chain = fakeChain();
    const store = new VaaStore();
    const seen: bigint[] = [];
    const observer = new GuardianObserver({
      chains: [{ wormholeChainId: 10002, source: chain.source, fromBlock: 1n }],
      store,
      maxBlockRange: 2n,
      onVaa: (id) => seen.push(id.sequence),
    });
    chain.publish(1n, 0n, "0x01");
    chain.publish(3n, 2n, "0x03", 1);
    chain.publish(3n, 1n, "0x02", 0);
    chain.publish(5n, 3n, "0x04");
    expect(await observer.pollOnce()).toBe(4);
    expect(chain.calls).toEqual([
      [1n, 2n],
      [3n, 4n],
      [5n, 5n],
    ]);
    expect(seen).toEqual([0n, 1n, 2n, 3n]); // block, then log order
    expect(observer.cursor(10002)).toBe(6n);
    const emitter = pad(sender, { size: 32 }).slice(2);
    const vaaBytes = store.get({ chain: 10002, emitter, sequence: 2n });
    if (vaaBytes === undefined) throw new Error("VAA missing");
    const vaa = deserialize("Uint8Array", vaaBytes);
    expect([vaa.emitterChain, vaa.emitterAddress.toString(), vaa.consistencyLevel, toHex(vaa.payload)]).toEqual([
      "Sepolia",
      `0x${emitter}`,
      200,
      "0x03",
    ]);

    expect(await observer.pollOnce()).toBe(0);
    chain.publish(6n, 4n, "0x05");
    expect(await observer.pollOnce()).toBe(1);
    expect(store.size).toBe(5);
  });

  it("reports errors scrubbed, keeps the cursor, and retries on the next poll", async () => {
    const chain = fakeChain();
    const store = new VaaStore();
    const errors: GuardianError[] = [];
    let failSigning = true;
    const flakySigner: VaaSigner = async (body) => {
      if (failSigning && body.sequence === 1n) throw new Error("signer offline");
      return devnetVaaSigner(body);
    };
    const observer = new GuardianObserver({
      chains: [{ wormholeChainId: 10002, source: chain.source }],
      store,
      signVaa: flakySigner,
      onError: (error) => errors.push(error),
    });
    chain.publish(1n, 0n, "0x01");
    chain.publish(1n, 1n, "0x02", 1);
    expect(await observer.pollOnce()).toBe(1);
    expect(errors[0]).toMatchObject({ name: "GuardianError", message: expect.stringContaining("signer offline") });
    expect(observer.cursor(10002)).toBe(0n);
    failSigning = false;
    expect(await observer.pollOnce()).toBe(1); // sequence 0 re-signed to the same bytes: not new

    chain.publish(2n, 2n, "0x03");
    chain.failOnce();
    expect(await observer.pollOnce()).toBe(0);
    expect(errors[1]?.code).toBe("rpc-failed");
    expect(errors[1]?.message).not.toMatch(/127\.0\.0\.1|secret/);
    expect(await observer.pollOnce()).toBe(1);
    expect(store.size).toBe(3);
  });

  it("polls on a timer after start() until stop()", async () => {
    const chain = fakeChain();
    const store = new VaaStore();
    const observer = new GuardianObserver({
      chains: [{ wormholeChainId: 2, source: chain.source }],
      store,
      pollIntervalMs: 5,
    });
    observer.start();
    chain.publish(1n, 0n, "0x01");
    await expect.poll(() => store.size, { timeout: 2000, interval: 5 }).toBe(1);
    await observer.stop();
    chain.publish(2n, 1n, "0x02");
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(store.size).toBe(1);
  });
});

describe("GuardianObserver on anvil with the real Wormhole core", () => {
  let anvil: AnvilInstance;
  let wormhole: WormholeDeployment;
  let clients: ReturnType<typeof createDevnetClients>;
  let deployer: Address;
  beforeAll(async () => {
    anvil = await startAnvil({ chainId: 31_401 });
    clients = createDevnetClients({ rpcUrl: anvil.rpcUrl, chainId: anvil.chainId });
    [deployer] = (await clients.accounts()) as [Address];
    wormhole = await deployWormhole({ clients, deployer, wormholeChainId: 10002 });
  });
  afterAll(async () => {
    await anvil?.stop();
  });

  it("picks up a published message and serves a VAA the core verifies", async () => {
    const wallet = clients.wallet(deployer);
    const fee = await clients.publicClient.readContract({
      address: wormhole.core,
      abi: wormholeCoreAbi,
      functionName: "messageFee",
    });
    const payload = toHex("slabridge receipt batch");
    await submitTransaction(clients.publicClient, "publishMessage", () =>
      wallet.writeContract({
        address: wormhole.core,
        abi: wormholeCoreAbi,
        functionName: "publishMessage",
        args: [42, payload, 1],
        value: fee,
      }),
    );

    const store = new VaaStore();
    const api = await startGuardianApi({ store });
    const observer = new GuardianObserver({
      chains: [
        {
          wormholeChainId: wormhole.wormholeChainId,
          source: createViemLogSource({ rpcUrl: anvil.rpcUrl, evmChainId: anvil.chainId, core: wormhole.core }),
        },
      ],
      store,
    });
    try {
      expect(await observer.pollOnce()).toBe(1);
      const emitter = pad(deployer, { size: 32 }).slice(2).toLowerCase();
      const res = await fetch(`${api.url}/v1/signed_vaa/${wormhole.wormholeChainId}/${emitter}/0`);
      expect(res.status).toBe(200);
      const { vaaBytes } = (await res.json()) as { vaaBytes: string };
      const bytes = new Uint8Array(Buffer.from(vaaBytes, "base64"));
      const vaa = deserialize("Uint8Array", bytes);
      expect([vaa.emitterChain, vaa.sequence, vaa.nonce, toHex(vaa.payload)]).toEqual(["Sepolia", 0n, 42, payload]);
      const [, valid, reason] = await clients.publicClient.readContract({
        address: wormhole.core,
        abi: wormholeCoreAbi,
        functionName: "parseAndVerifyVM",
        args: [bytesToHex(bytes)],
      });
      expect([valid, reason]).toEqual([true, ""]);
    } finally {
      await observer.stop();
      await api.close();
    }
  });

  it("runs as one devnet guardian: polls on its own and signs external (Solana stand-in) messages", async () => {
    const errors: GuardianError[] = [];
    const guardian = await startDevnetGuardian({
      chains: [{ wormholeChainId: 10002, rpcUrl: anvil.rpcUrl, evmChainId: anvil.chainId, core: wormhole.core }],
      pollIntervalMs: 20,
      onError: (error) => errors.push(error),
    });
    try {
      const wallet = clients.wallet(deployer);
      const payload = toHex("second message");
      const sequence = await clients.publicClient.readContract({
        address: wormhole.core,
        abi: wormholeCoreAbi,
        functionName: "nextSequence",
        args: [deployer],
      });
      await submitTransaction(clients.publicClient, "publishMessage", () =>
        wallet.writeContract({
          address: wormhole.core,
          abi: wormholeCoreAbi,
          functionName: "publishMessage",
          args: [0, payload, 1],
        }),
      );
      const emitter = pad(deployer, { size: 32 }).slice(2).toLowerCase();
      // Found by the background poller, not by an explicit pollOnce.
      await expect
        .poll(async () => (await fetch(`${guardian.url}/v1/signed_vaa/10002/${emitter}/${sequence}`)).status, {
          timeout: 5000,
        })
        .toBe(200);

      const programEmitter = "5e".repeat(32);
      const { id } = await guardian.submitExternalMessage({ emitter: programEmitter, payload: new Uint8Array([9]) });
      expect(id).toEqual({ chain: 1, emitter: programEmitter, sequence: 0n });
      const res = await fetch(`${guardian.url}/v1/signed_vaa/1/${programEmitter}/0`);
      const { vaaBytes } = (await res.json()) as { vaaBytes: string };
      const bytes = new Uint8Array(Buffer.from(vaaBytes, "base64"));
      const [, valid] = await clients.publicClient.readContract({
        address: wormhole.core,
        abi: wormholeCoreAbi,
        functionName: "parseAndVerifyVM",
        args: [bytesToHex(bytes)],
      });
      expect(valid).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await guardian.close();
    }
  });
});
