import { type Devnet, startDevnet } from "@slabridge/devnet";
import { evmChainsOf } from "@slabridge/evm";
import { type Hex, toHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { endpointV2Abi } from "./abis/endpointV2Abi.ts";
import { decodeRevert } from "./decodeRevert.ts";
import { LayerZeroConfigError } from "./errors/LayerZeroConfigError.ts";
import { NotFinalYetError } from "./errors/NotFinalYetError.ts";
import { PacketNotFoundError } from "./errors/PacketNotFoundError.ts";
import { SourceTransactionNotFoundError } from "./errors/SourceTransactionNotFoundError.ts";
import { LayerZeroTransport, LZ_RECEIVE_OVERHEAD_GAS } from "./LayerZeroTransport.ts";
import { lzReceiveOptionOf } from "./lzReceiveOptionOf.ts";
import { sentPackets } from "./sentPackets.ts";
import {
  deliveriesOf,
  devnetTransport,
  escrowListing,
  HOME,
  mine,
  PAYMENT,
  publishFreshListing,
} from "./testing/lzDevnetFixture.ts";

describe("LayerZeroTransport on the devnet (real EndpointV2 + ULN302)", () => {
  let devnet: Devnet;

  beforeAll(async () => {
    devnet = await startDevnet({ hosts: [], signer: "anvil" });
  });

  afterAll(async () => {
    await devnet?.stop();
  });

  const homeEndpoint = () => evmChainsOf(devnet.manifest).find((c) => c.chainId === HOME)?.layerZero.endpointV2 as Hex;
  const paymentEndpoint = () =>
    evmChainsOf(devnet.manifest).find((c) => c.chainId === PAYMENT)?.layerZero.endpointV2 as Hex;

  it("finds, reports and delivers a ModelListing exactly once; a second deliver sends nothing", async () => {
    const { transport, sent } = devnetTransport(devnet);
    const { modelId, sourceTransaction } = await publishFreshListing(devnet, transport);

    const refs = await transport.messagesIn(HOME, sourceTransaction);
    expect(refs).toHaveLength(1);
    const [ref] = refs;
    if (!ref) throw new Error("no ref");
    expect(ref).toMatchObject({ transport: "layerzero", sourceChainId: HOME, sourceTransaction });
    expect(ref.messageId).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await transport.status(ref, PAYMENT)).toBe("in-flight");
    expect((await escrowListing(devnet, modelId)).epochSeconds).toBe(0n);

    const first = await transport.deliver(ref, PAYMENT);
    expect(first.status).toBe("delivered");
    expect(sent.map((s) => [s.role, s.step, s.status])).toEqual([
      ["dvn", "verify", "success"],
      ["executor", "commitVerification", "success"],
      ["executor", "lzReceive", "success"],
    ]);
    expect(first.transactions).toEqual(sent.map((s) => s.transactionHash));
    expect((await escrowListing(devnet, modelId)).epochSeconds).toBe(3600n);
    expect(await transport.status(ref, PAYMENT)).toBe("delivered");

    const second = await transport.deliver(ref, PAYMENT);
    expect(second).toEqual({ transactions: [], status: "delivered" });
    expect(sent).toHaveLength(3);

    const receipt = await devnet.evm.clients(HOME).publicClient.getTransactionReceipt({ hash: sourceTransaction });
    const [packet] = sentPackets(receipt, homeEndpoint());
    if (!packet) throw new Error("no packet");
    expect(await deliveriesOf(devnet, packet.nonce, packet.sender)).toBe(1);
  });

  it("executes lzReceive with the gas the packet's options paid for (plus the endpoint's overhead), not a guess", async () => {
    const { transport, sent } = devnetTransport(devnet);
    const { sourceTransaction } = await publishFreshListing(devnet, transport);
    const [ref] = await transport.messagesIn(HOME, sourceTransaction);
    if (!ref) throw new Error("no ref");
    expect((await transport.deliver(ref, PAYMENT)).status).toBe("delivered");
    const receipt = await devnet.evm.clients(HOME).publicClient.getTransactionReceipt({ hash: sourceTransaction });
    const [packet] = sentPackets(receipt, homeEndpoint());
    if (!packet) throw new Error("no packet");
    const { gas: paid } = lzReceiveOptionOf(packet.options);
    expect(paid).toBe(300_000n); // the messenger's enforced options on the devnet
    const lzReceive = sent.find((s) => s.step === "lzReceive");
    if (!lzReceive) throw new Error("no lzReceive sent");
    const tx = await devnet.evm.clients(PAYMENT).publicClient.getTransaction({ hash: lzReceive.transactionHash });
    expect(tx.gas).toBe(paid + LZ_RECEIVE_OVERHEAD_GAS);
  });

  it("a replayed packet is refused by the endpoint after delivery", async () => {
    const { transport } = devnetTransport(devnet);
    const { sourceTransaction } = await publishFreshListing(devnet, transport);
    const [ref] = await transport.messagesIn(HOME, sourceTransaction);
    if (!ref) throw new Error("no ref");
    await transport.deliver(ref, PAYMENT);

    const receipt = await devnet.evm.clients(HOME).publicClient.getTransactionReceipt({ hash: sourceTransaction });
    const [packet] = sentPackets(receipt, homeEndpoint());
    if (!packet) throw new Error("no packet");
    const executor = devnet.manifest.keys.layerZeroExecutor;
    if (executor.kind !== "anvil-dev-account") throw new Error("executor key");
    const { publicClient, wallet } = devnet.evm.clients(PAYMENT);
    const replay = {
      address: paymentEndpoint(),
      abi: endpointV2Abi,
      functionName: "lzReceive",
      args: [
        { srcEid: packet.srcEid, sender: packet.sender, nonce: packet.nonce },
        packet.receiver,
        packet.guid,
        packet.message,
        "0x",
      ],
    } as const;
    const simulated = await publicClient.simulateContract({ account: executor.address, ...replay }).catch((e) => e);
    expect(decodeRevert(simulated)?.name).toBe("LZ_PayloadHashNotFound");
    // Sent for real, without the simulation: the transaction is rejected (estimation) or mined as reverted.
    const sentForReal = await wallet(executor.address)
      .writeContract({ ...replay, gas: 500_000n })
      .then((hash) => publicClient.waitForTransactionReceipt({ hash }))
      .then((r) => r.status)
      .catch(() => "rejected");
    expect(["reverted", "rejected"]).toContain(sentForReal);
    expect(await deliveriesOf(devnet, packet.nonce, packet.sender)).toBe(1);
    expect(await transport.status(ref, PAYMENT)).toBe("delivered");
  });

  it("refuses to verify before the source has the pathway's confirmations (NotFinalYetError, retryable)", async () => {
    const { transport, sent } = devnetTransport(devnet, { confirmations: { [HOME]: 3 } });
    const { modelId, sourceTransaction } = await publishFreshListing(devnet, transport);
    const [ref] = await transport.messagesIn(HOME, sourceTransaction);
    if (!ref) throw new Error("no ref");

    const error = await transport.deliver(ref, PAYMENT).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFinalYetError);
    expect(error).toMatchObject({ name: "NotFinalYetError", retryable: true, confirmations: 1n, required: 3n });
    expect((error as NotFinalYetError).missingBlocks).toBe(2n);
    expect(sent).toEqual([]);
    expect(await transport.status(ref, PAYMENT)).toBe("in-flight");

    await mine(devnet, HOME, 2);
    const outcome = await transport.deliver(ref, PAYMENT);
    expect(outcome.status).toBe("delivered");
    expect(sent.map((s) => s.step)).toEqual(["verify", "commitVerification", "lzReceive"]);
    expect((await escrowListing(devnet, modelId)).epochSeconds).toBe(3600n);
  });

  it("quote asks the source messenger; bad references get typed errors", async () => {
    const { transport } = devnetTransport(devnet);
    const message = toHex(new Uint8Array([1, 9])); // version 1, unknown kind 9
    await expect(transport.quote(HOME, PAYMENT, message)).rejects.toMatchObject({
      name: "LayerZeroConfigError",
      retryable: false,
    });
    await expect(transport.quote(1, PAYMENT, message)).rejects.toBeInstanceOf(LayerZeroConfigError);
    // A delivery-only transport (no messenger configured, as the devnet's relayer builds it) cannot quote.
    const home = evmChainsOf(devnet.manifest).find((chain) => chain.chainId === HOME);
    if (!home) throw new Error("no home chain");
    const deliveryOnly = new LayerZeroTransport({
      chains: {
        [HOME]: {
          client: devnet.evm.clients(HOME).publicClient,
          eid: home.layerZero.eid,
          endpointV2: home.layerZero.endpointV2,
          receiveUln302: home.layerZero.receiveUln302,
          confirmations: 1,
        },
      },
      dvn: { address: home.layerZero.endpointV2, submitter: { send: () => Promise.reject(new Error("unused")) } },
      executor: { address: home.layerZero.endpointV2, submitter: { send: () => Promise.reject(new Error("unused")) } },
    });
    await expect(deliveryOnly.quote(HOME, PAYMENT, message)).rejects.toThrow(/no LayerZeroMessenger configured/);

    const { sourceTransaction } = await publishFreshListing(devnet, transport);
    const [ref] = await transport.messagesIn(HOME, sourceTransaction);
    if (!ref) throw new Error("no ref");
    await expect(transport.status({ ...ref, messageId: `0x${"ab".repeat(32)}` }, PAYMENT)).rejects.toBeInstanceOf(
      PacketNotFoundError,
    );
    await expect(transport.status(ref, HOME)).rejects.toBeInstanceOf(PacketNotFoundError);
    await expect(transport.messagesIn(HOME, `0x${"cd".repeat(32)}`)).rejects.toBeInstanceOf(
      SourceTransactionNotFoundError,
    );
    // A transaction that sent nothing over LayerZero has no refs.
    const { wallet, publicClient } = devnet.evm.clients(HOME);
    const [anyone] = await devnet.evm.clients(HOME).accounts();
    if (!anyone) throw new Error("no account");
    const hash = await wallet(anyone).sendTransaction({ to: anyone, value: 1n });
    await publicClient.waitForTransactionReceipt({ hash });
    expect(await transport.messagesIn(HOME, hash)).toEqual([]);
    // Leave the pathway clean for the other tests: deliver what this test sent.
    expect((await transport.deliver(ref, PAYMENT)).status).toBe("delivered");
  });
});
