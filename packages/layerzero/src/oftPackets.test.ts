import { Options } from "@layerzerolabs/lz-v2-utilities";
import { devnetStablecoinAbi } from "@slabridge/contracts";
import { type Devnet, startDevnet } from "@slabridge/devnet";
import { evmChainsOf } from "@slabridge/evm";
import { type Address, type Hex, pad } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PacketRefusedError } from "./errors/PacketRefusedError.ts";
import { LayerZeroTransport } from "./LayerZeroTransport.ts";
import { demoAccount, devnetSubmitter, HOME, PAYMENT, type SentStep } from "./testing/lzDevnetFixture.ts";

/** The transport delivers packets of OApps other than the messenger: the stablecoin OFT's net transfers. */
describe("LayerZeroTransport with the stablecoin OFT", () => {
  let devnet: Devnet;

  beforeAll(async () => {
    devnet = await startDevnet({ hosts: [], signer: "anvil" });
  });

  afterAll(async () => {
    await devnet?.stop();
  });

  const chain = (chainId: number) => {
    const found = evmChainsOf(devnet.manifest).find((c) => c.chainId === chainId);
    if (!found) throw new Error(`no chain ${chainId}`);
    return found;
  };
  const balanceOf = (chainId: number, account: Address) =>
    devnet.evm.clients(chainId).publicClient.readContract({
      address: chain(chainId).stablecoin.address,
      abi: devnetStablecoinAbi,
      functionName: "balanceOf",
      args: [account],
    });

  function transport(oapps: (chainId: number) => Address[] | undefined) {
    const sent: SentStep[] = [];
    const address = (ref: (typeof devnet.manifest.keys)["layerZeroDvn"]): Address => {
      if (ref.kind !== "anvil-dev-account") throw new Error("devnet LayerZero keys are anvil dev accounts");
      return ref.address;
    };
    const dvn = address(devnet.manifest.keys.layerZeroDvn);
    const executor = address(devnet.manifest.keys.layerZeroExecutor);
    const chains = new Map(
      evmChainsOf(devnet.manifest).map((c) => {
        const served = oapps(c.chainId);
        return [
          c.chainId,
          {
            client: devnet.evm.clients(c.chainId).publicClient,
            eid: c.layerZero.eid,
            endpointV2: c.layerZero.endpointV2,
            receiveUln302: c.layerZero.receiveUln302,
            messenger: c.contracts.layerZeroMessenger,
            confirmations: c.confirmations,
            ...(served ? { oapps: served } : {}),
          },
        ] as const;
      }),
    );
    return {
      sent,
      transport: new LayerZeroTransport({
        chains,
        dvn: { address: dvn, submitter: devnetSubmitter(devnet, "dvn", dvn, sent) },
        executor: { address: executor, submitter: devnetSubmitter(devnet, "executor", executor, sent) },
      }),
    };
  }

  /** A demo account sends `amount` of the stablecoin from the payment chain to `to` on the home chain. */
  async function sendOft(amount: bigint, to: Address): Promise<Hex> {
    const from = demoAccount(devnet, 5);
    const { publicClient, wallet } = devnet.evm.clients(PAYMENT);
    const param = {
      dstEid: chain(HOME).layerZero.eid,
      to: pad(to),
      amountLD: amount,
      minAmountLD: amount,
      extraOptions: Options.newOptions().toHex() as Hex,
      composeMsg: "0x" as Hex,
      oftCmd: "0x" as Hex,
    };
    const token = { address: chain(PAYMENT).stablecoin.address, abi: devnetStablecoinAbi } as const;
    const fee = await publicClient.readContract({ ...token, functionName: "quoteSend", args: [param, false] });
    const hash = await wallet(from).writeContract({
      ...token,
      functionName: "send",
      args: [param, fee, from],
      value: fee.nativeFee,
    });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe("success");
    return hash;
  }

  it("delivers an OFT send exactly once when the OFT is listed among the chain's OApps", async () => {
    const to = "0x00000000000000000000000000000000000a11ce" as Address;
    const { transport: lz, sent } = transport((id) => [chain(id).stablecoin.address]);
    const hash = await sendOft(1_234_567n, to);
    const [ref] = await lz.messagesIn(PAYMENT, hash);
    if (!ref) throw new Error("no packet");
    expect(await lz.status(ref, HOME)).toBe("in-flight");
    expect(await balanceOf(HOME, to)).toBe(0n);

    expect((await lz.deliver(ref, HOME)).status).toBe("delivered");
    expect(sent.map((s) => s.step)).toEqual(["verify", "commitVerification", "lzReceive"]);
    expect(await balanceOf(HOME, to)).toBe(1_234_567n);

    expect(await lz.deliver(ref, HOME)).toEqual({ transactions: [], status: "delivered" });
    expect(await balanceOf(HOME, to)).toBe(1_234_567n);
  });

  it("refuses, before spending gas, a packet to an OApp the chain does not list", async () => {
    const to = "0x00000000000000000000000000000000000b0b00" as Address;
    const { transport: lz, sent } = transport(() => []);
    const hash = await sendOft(5n, to);
    const [ref] = await lz.messagesIn(PAYMENT, hash);
    if (!ref) throw new Error("no packet");
    const refused = await lz.deliver(ref, HOME).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PacketRefusedError);
    expect(refused).toMatchObject({ reason: "ReceiverNotServed", retryable: false });
    expect(sent).toEqual([]);
    expect(await balanceOf(HOME, to)).toBe(0n);
  });
});
