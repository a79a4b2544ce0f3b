import { Options } from "@layerzerolabs/lz-v2-utilities";
import { LZ_RECEIVE_OVERHEAD_GAS } from "@slabridge/layerzero";
import { type Address, getContract, type Hex, pad, slice, stringToHex, toFunctionSelector } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devnetPingOAppAbi, endpointV2Abi, receiveUln302Abi } from "./abis.ts";
import { deployContract } from "./deployContract.ts";
import type { DevnetClients } from "./devnetClients.ts";
import { devnetArtifacts } from "./loadArtifact.ts";
import { defaultEvmDevnetChains, type EvmDevnet, startEvmDevnet } from "./startEvmDevnet.ts";
import { submitTransaction } from "./submitTransaction.ts";

const [chainA, chainB] = defaultEvmDevnetChains.map((chain) => chain.chainId) as [number, number];

const STEPS: Record<Hex, string> = {
  [toFunctionSelector("verify(bytes,bytes32,uint64)")]: "verify",
  [toFunctionSelector("commitVerification(bytes,bytes32)")]: "commitVerification",
  [toFunctionSelector("lzReceive((uint32,bytes32,uint64),address,bytes32,bytes,bytes)")]: "lzReceive",
};

/** Which LayerZero step each relayer transaction was, read back from the chain. */
async function stepsOf(clients: DevnetClients, transactions: readonly string[]): Promise<string[]> {
  return Promise.all(
    transactions.map(async (hash) => {
      const { input } = await clients.publicClient.getTransaction({ hash: hash as Hex });
      return STEPS[slice(input, 0, 4)] ?? input.slice(0, 10);
    }),
  );
}

describe("LayerZero V2 on the devnet", () => {
  let devnet: EvmDevnet;
  let oappA: Address;
  let oappB: Address;

  beforeAll(async () => {
    devnet = await startEvmDevnet({ chains: defaultEvmDevnetChains });
    const deployer = devnet.manifest.keys.deployer.address;
    const [a, b] = devnet.manifest.chains as [
      EvmDevnet["manifest"]["chains"][number],
      EvmDevnet["manifest"]["chains"][number],
    ];
    const deploy = (chainId: number, endpoint: Address) => {
      const clients = devnet.clients(chainId);
      return deployContract(clients.publicClient, clients.wallet(deployer), devnetArtifacts.devnetPingOApp, [
        endpoint,
        deployer,
      ]);
    };
    [oappA, oappB] = await Promise.all([
      deploy(chainA, a.layerZero.endpointV2),
      deploy(chainB, b.layerZero.endpointV2),
    ]);
    const setPeer = (chainId: number, oapp: Address, eid: number, peer: Address) => {
      const clients = devnet.clients(chainId);
      return submitTransaction(clients.publicClient, "setPeer", () =>
        clients.wallet(deployer).writeContract({
          address: oapp,
          abi: devnetPingOAppAbi,
          functionName: "setPeer",
          args: [eid, pad(peer, { size: 32 })],
        }),
      );
    };
    await Promise.all([setPeer(chainA, oappA, b.layerZero.eid, oappB), setPeer(chainB, oappB, a.layerZero.eid, oappA)]);
  });

  afterAll(async () => {
    await devnet?.stop();
  });

  it("delivers a packet from chain A to chain B through EndpointV2 and ULN302, exactly once", async () => {
    const [a, b] = devnet.manifest.chains as [
      EvmDevnet["manifest"]["chains"][number],
      EvmDevnet["manifest"]["chains"][number],
    ];
    const source = devnet.clients(chainA);
    const destination = devnet.clients(chainB);
    const sender = devnet.manifest.keys.demo[0]?.address as Address;
    const message = stringToHex("settle model #7: 42 units");
    const options = Options.newOptions().addExecutorLzReceiveOption(200_000, 0).toHex() as Hex;

    const fee = await source.publicClient.readContract({
      address: oappA,
      abi: devnetPingOAppAbi,
      functionName: "quotePing",
      args: [b.layerZero.eid, message, options],
    });
    expect(fee).toBe(0n); // fee-less devnet workers
    const sent = await submitTransaction(source.publicClient, "ping", () =>
      source.wallet(sender).writeContract({
        address: oappA,
        abi: devnetPingOAppAbi,
        functionName: "ping",
        args: [b.layerZero.eid, message, options],
        value: fee,
      }),
    );

    const relayer = devnet.layerZeroRelayer(chainA, chainB);
    const [packet] = relayer.packetsInReceipt(sent);
    expect(packet).toMatchObject({
      srcEid: a.layerZero.eid,
      dstEid: b.layerZero.eid,
      nonce: 1n,
      receiver: oappB,
      message,
    });
    if (!packet) throw new Error("no packet");

    const outcome = await relayer.relay(packet);
    expect(outcome.status).toBe("delivered");
    expect(await stepsOf(destination, outcome.transactions)).toEqual(["verify", "commitVerification", "lzReceive"]);
    // The executor gives the receiver the gas the sender paid for (200,000 in the options, plus the endpoint's own
    // work), never a node's estimate: an estimate taken while the chain mines other transactions can be short.
    const lzReceive = await destination.publicClient.getTransaction({ hash: outcome.transactions[2] as Hex });
    expect(lzReceive.gas).toBe(200_000n + LZ_RECEIVE_OVERHEAD_GAS);

    const oapp = getContract({ address: oappB, abi: devnetPingOAppAbi, client: destination.publicClient });
    const read = (functionName: "received" | "lastMessage" | "lastSrcEid" | "lastSender" | "lastNonce") =>
      oapp.read[functionName]();
    expect(await read("received")).toBe(1n);
    expect(await read("lastMessage")).toBe(message);
    expect(await read("lastSrcEid")).toBe(a.layerZero.eid);
    expect(await read("lastSender")).toBe(pad(oappA, { size: 32 }).toLowerCase());
    expect(await read("lastNonce")).toBe(1n);

    // A second relay is skipped...
    expect(await relayer.relay(packet)).toEqual({
      status: "delivered",
      guid: packet.guid,
      nonce: 1n,
      transactions: [],
    });
    // ...and a raw second execution is refused by the endpoint itself.
    await expect(
      destination.publicClient.simulateContract({
        account: devnet.manifest.keys.layerZeroExecutor.address,
        address: b.layerZero.endpointV2,
        abi: endpointV2Abi,
        functionName: "lzReceive",
        args: [
          { srcEid: packet.srcEid, sender: packet.sender, nonce: packet.nonce },
          packet.receiver,
          packet.guid,
          packet.message,
          "0x",
        ],
      }),
    ).rejects.toThrow(/LZ_PayloadHashNotFound/);
    expect(await read("received")).toBe(1n);
  });

  it("resumes a half-done relay: a packet verified by the DVN elsewhere is only committed and executed", async () => {
    const b = devnet.manifest.chains[1];
    if (!b) throw new Error("no chain B");
    const source = devnet.clients(chainA);
    const sender = devnet.manifest.keys.demo[1]?.address as Address;
    const options = Options.newOptions().addExecutorLzReceiveOption(200_000, 0).toHex() as Hex;
    const sent = await submitTransaction(source.publicClient, "ping", () =>
      source.wallet(sender).writeContract({
        address: oappA,
        abi: devnetPingOAppAbi,
        functionName: "ping",
        args: [b.layerZero.eid, stringToHex("second"), options],
      }),
    );
    const relayer = devnet.layerZeroRelayer(chainA, chainB);
    const [packet] = relayer.packetsInReceipt(sent);
    if (!packet) throw new Error("no packet");
    expect(packet.nonce).toBe(2n);
    // Another relayer instance did the DVN step already.
    const destination = devnet.clients(chainB);
    await submitTransaction(destination.publicClient, "verify", () =>
      destination.wallet(devnet.manifest.keys.layerZeroDvn.address).writeContract({
        address: b.layerZero.receiveUln302,
        abi: receiveUln302Abi,
        functionName: "verify",
        args: [packet.header, packet.payloadHash, 1n],
      }),
    );
    const outcome = await relayer.relay(packet);
    expect(outcome.status).toBe("delivered");
    expect(await stepsOf(destination, outcome.transactions)).toEqual(["commitVerification", "lzReceive"]);
  });
});
