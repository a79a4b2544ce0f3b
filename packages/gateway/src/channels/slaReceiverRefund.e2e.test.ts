import { slaReceiverAbi, slaReceiverFactoryAbi, slaReceiverFactoryBytecode } from "@slabridge/contracts";
import { MemoryUsageReceiptStore, MemoryVoucherCheckpointStore } from "@slabridge/core";
import {
  type AnvilInstance,
  createDevnetClients,
  type DemoHost,
  type DevnetClients,
  deployDevnetStablecoin,
  devnetFacilitatorSigner,
  placeX402StandIn,
  type StablecoinDeployment,
  startAnvil,
  startDemoHost,
} from "@slabridge/devnet";
import { x402Facilitator } from "@x402/core/facilitator";
import { decodePaymentRequiredHeader } from "@x402/core/http";
import { BATCH_SETTLEMENT_ADDRESS, toClientEvmSigner } from "@x402/evm";
import {
  BatchSettlementEvmScheme as BatchSettlementClient,
  computeChannelId,
  getChannel,
  InMemoryClientChannelStorage,
} from "@x402/evm/batch-settlement/client";
import { BatchSettlementEvmScheme as BatchSettlementFacilitator } from "@x402/evm/batch-settlement/facilitator";
import { wrapFetchWithPayment, x402Client } from "@x402/fetch";
import { type Address, erc20Abi, getAddress, type Hex, type LocalAccount, parseAbi } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatewayEvmModelInput } from "../config/GatewayModel.ts";
import { createGateway } from "../createGateway.ts";
import { localFacilitatorClient } from "../http/localFacilitatorClient.ts";
import { type LoopbackServer, serveOnLoopback } from "../node/serveOnLoopback.ts";
import { MemoryChannelRecordStore } from "./MemoryChannelRecordStore.ts";
import { VersionedChannelStorage } from "./VersionedChannelStorage.ts";

const CHAIN_ID = 31_337;
const NETWORK = `eip155:${CHAIN_ID}` as const;
const CEILING = 5_000n;
const MINTED = 10_000_000n;
const CHAT = JSON.stringify({ model: "llama-demo", messages: [{ role: "user", content: "refund me" }] });
const channelsAbi = parseAbi([
  "function channels(bytes32 channelId) view returns (uint128 balance, uint128 totalClaimed)",
  "function refundNonce(bytes32 channelId) view returns (uint256)",
]);

/**
 * A buyer's cooperative refund through the gateway, with real SlaReceiver contracts as the channels' receiver and
 * receiverAuthorizer on a loopback anvil with the x402 stand-in: the stock SDK client's `refund()` (its GET probe, then
 * its refund request) is signed by the gateway's refund key and accepted by the channel contract through the
 * receiver's EIP-1271 check.
 */
describe("cooperative refunds for SlaReceiver channels (loopback anvil)", () => {
  let anvil: AnvilInstance;
  let clients: DevnetClients;
  let token: StablecoinDeployment;
  let host: DemoHost;
  let server: LoopbackServer;
  let owner: Address;
  const refundKey = privateKeyToAccount(generatePrivateKey());
  const strangerKey = privateKeyToAccount(generatePrivateKey());
  const buyers = [0, 1, 2, 3, 4].map(() => privateKeyToAccount(generatePrivateKey()));
  /** Model key -> its SlaReceiver. */
  const receivers: Record<string, Address> = {};

  beforeAll(async () => {
    anvil = await startAnvil({ chainId: CHAIN_ID });
    clients = createDevnetClients({ rpcUrl: anvil.rpcUrl, chainId: CHAIN_ID });
    const [deployer, relayer] = await clients.accounts();
    if (deployer === undefined || relayer === undefined) throw new Error("anvil has too few accounts");
    owner = deployer;
    token = await deployDevnetStablecoin({
      clients,
      deployer,
      fund: buyers.map((buyer) => buyer.address),
      mintAmount: MINTED,
    });
    await placeX402StandIn(clients);
    const wallet = clients.wallet(deployer);
    const mined = async (hash: Hex) => {
      const receipt = await clients.publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
      return receipt;
    };
    const factory = getAddress(
      (
        await mined(
          await wallet.deployContract({
            abi: slaReceiverFactoryAbi,
            bytecode: slaReceiverFactoryBytecode,
            args: [owner],
          }),
        )
      ).contractAddress ?? "",
    );
    // "sla": the receiver's authorizer is the gateway's refund key; "stranger": another key is, so the gateway's
    // signature is a wrong-key one there.
    for (const [key, modelId, authorizer] of [
      ["sla", 1n, refundKey.address],
      ["stranger", 2n, strangerKey.address],
    ] as const) {
      const receiver = getAddress(
        await clients.publicClient.readContract({
          address: factory,
          abi: slaReceiverFactoryAbi,
          functionName: "predict",
          args: [modelId],
        }),
      );
      await mined(
        await wallet.writeContract({
          address: factory,
          abi: slaReceiverFactoryAbi,
          functionName: "create",
          args: [
            {
              owner,
              operator: owner,
              modelId,
              token: token.address,
              channels: BATCH_SETTLEMENT_ADDRESS,
              thisChain: CHAIN_ID,
              homeChain: CHAIN_ID,
              genesis: 0n,
              epochSeconds: 3_600n,
              verdictGraceEpochs: 2,
            },
          ],
        }),
      );
      await mined(
        await wallet.writeContract({
          address: receiver,
          abi: slaReceiverAbi,
          functionName: "setAuthorizer",
          args: [authorizer],
        }),
      );
      receivers[key] = receiver;
    }

    host = await startDemoHost({ name: "h1", model: "llama-demo", latency: { baseMs: 1 }, failureRate: 0 });
    const model = (key: string, modelId: bigint): GatewayEvmModelInput => ({
      key,
      model: "llama-demo",
      modelId,
      network: NETWORK,
      asset: token.address,
      assetName: token.name,
      assetVersion: "2",
      payTo: receivers[key] ?? "",
      receiverAuthorizer: receivers[key] ?? "",
      hostUrl: host.url,
      hostTimeoutMs: 2_000,
      price: { perInputToken: 3n, perOutputToken: 7n, ceiling: CEILING },
      sla: { p95LatencyMs: 500, uptimeBps: 9_900, refundTiers: [{ breachBps: 0, refundBps: 2_500 }] },
      clock: { genesis: 0n, epochSeconds: 3_600n },
      rateLimit: { burst: 50, perSecond: 50 },
    });
    const gateway = await createGateway({
      models: [model("sla", 1n), model("stranger", 2n)],
      // As slabridge runs it: the facilitator holds no receiverAuthorizer key.
      facilitator: localFacilitatorClient(
        new x402Facilitator().register(
          NETWORK,
          new BatchSettlementFacilitator(devnetFacilitatorSigner(clients, relayer)),
        ),
      ),
      storage: new VersionedChannelStorage(new MemoryChannelRecordStore()),
      checkpoints: new MemoryVoucherCheckpointStore(),
      usageReceipts: new MemoryUsageReceiptStore(),
      receiptSigner: privateKeyToAccount(generatePrivateKey()),
      refundSigner: refundKey,
    });
    server = await serveOnLoopback(gateway.handle);
  });

  afterAll(async () => {
    await server?.close();
    await host?.close();
    await anvil?.stop();
  });

  const url = (key: string) => `${server.url}/models/${key}/v1/chat/completions`;
  const tokenBalance = (account: Address) =>
    clients.publicClient.readContract({
      address: token.address,
      abi: erc20Abi,
      functionName: "balanceOf",
      args: [account],
    });
  const channelOnChain = async (channelId: Hex) => {
    const [balance, totalClaimed] = await clients.publicClient.readContract({
      address: BATCH_SETTLEMENT_ADDRESS,
      abi: channelsAbi,
      functionName: "channels",
      args: [channelId],
    });
    return { balance, totalClaimed };
  };
  const setPaused = async (receiver: Address, paused: boolean) => {
    const hash = await clients.wallet(owner).writeContract({
      address: receiver,
      abi: slaReceiverAbi,
      functionName: paused ? "pause" : "unpause",
    });
    await clients.publicClient.waitForTransactionReceipt({ hash });
  };

  /** A stock SDK client that opened a channel on `key` and paid `calls` calls, with the channel's id. */
  const paidBuyer = async (buyer: LocalAccount, key: string, calls: number) => {
    const storage = new InMemoryClientChannelStorage();
    const scheme = new BatchSettlementClient(toClientEvmSigner(buyer, clients.publicClient), { storage });
    const client = new x402Client().register(NETWORK, scheme);
    client.setSpendControls(false); // the devnet stablecoin is not one of the SDK's default assets
    const pay = wrapFetchWithPayment(fetch, client);
    for (let call = 0; call < calls; call++) {
      const answer = await pay(url(key), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: CHAT,
      });
      expect(answer.status).toBe(200);
    }
    const probe = await fetch(url(key), { method: "POST", body: CHAT });
    const [requirements] = decodePaymentRequiredHeader(probe.headers.get("payment-required") ?? "").accepts;
    if (requirements === undefined) throw new Error("no requirements");
    const channelId = computeChannelId(scheme.buildChannelConfig(requirements), NETWORK);
    const charged = BigInt((await getChannel(storage, channelId.toLowerCase()))?.chargedCumulativeAmount ?? 0);
    return { scheme, channelId, charged };
  };

  it("gives a buyer its unspent deposit back: the gateway signs the Refund, the channel contract accepts it through the SlaReceiver's EIP-1271", async () => {
    const buyer = buyers[0] as LocalAccount;
    const { scheme, channelId, charged } = await paidBuyer(buyer, "sla", 2);
    const before = await channelOnChain(channelId);
    expect(charged).toBeGreaterThan(0n);
    const held = await tokenBalance(buyer.address);

    const settled = await scheme.refund(url("sla"));
    expect(settled.success).toBe(true);
    const unspent = before.balance - charged;
    expect(BigInt(settled.amount ?? 0)).toBe(unspent);
    expect(await tokenBalance(buyer.address)).toBe(held + unspent);
    // What the calls were charged stays in the channel, unclaimed, for the receiver's claimEpoch.
    expect(await channelOnChain(channelId)).toEqual({ balance: charged, totalClaimed: 0n });
    expect(
      await clients.publicClient.readContract({
        address: BATCH_SETTLEMENT_ADDRESS,
        abi: channelsAbi,
        functionName: "refundNonce",
        args: [channelId],
      }),
    ).toBe(1n);
  });

  it("is refused by the channel contract when the receiver's authorizer is another key: nothing moves", async () => {
    const buyer = buyers[1] as LocalAccount;
    const { scheme, channelId } = await paidBuyer(buyer, "stranger", 1);
    const before = await channelOnChain(channelId);
    const held = await tokenBalance(buyer.address);
    await expect(scheme.refund(url("stranger"))).rejects.toThrow(
      /invalid_batch_settlement_evm_refund_simulation_failed/,
    );
    expect(await channelOnChain(channelId)).toEqual(before);
    expect(await tokenBalance(buyer.address)).toBe(held);
  });

  it("is refused while the receiver is paused, and goes through once it is unpaused", async () => {
    const buyer = buyers[2] as LocalAccount;
    const receiver = receivers.sla as Address;
    const { scheme, channelId } = await paidBuyer(buyer, "sla", 1);
    const before = await channelOnChain(channelId);
    const held = await tokenBalance(buyer.address);
    await setPaused(receiver, true);
    try {
      await expect(scheme.refund(url("sla"))).rejects.toThrow(/invalid_batch_settlement_evm_refund_simulation_failed/);
      expect(await channelOnChain(channelId)).toEqual(before);
      expect(await tokenBalance(buyer.address)).toBe(held);
    } finally {
      await setPaused(receiver, false);
    }
    expect((await scheme.refund(url("sla"))).success).toBe(true);
    expect(await tokenBalance(buyer.address)).toBeGreaterThan(held);
  });

  it("answers a GET that carries a voucher instead of a refund with 405, and a plain GET with the 402 the refund probe reads", async () => {
    const probe = await fetch(url("sla"));
    expect(probe.status).toBe(402);
    expect(probe.headers.get("payment-required")).not.toBeNull();
    const buyer = buyers[3] as LocalAccount;
    const { channelId } = await paidBuyer(buyer, "sla", 1);
    const voucherCall = await fetch(url("sla"), {
      headers: {
        "payment-signature": Buffer.from(
          JSON.stringify({
            x402Version: 2,
            accepted: { scheme: "batch-settlement", network: NETWORK },
            payload: { type: "voucher", voucher: { channelId, maxClaimableAmount: "1", signature: "0x" } },
          }),
        ).toString("base64"),
      },
    });
    expect(voucherCall.status).toBe(405);
    expect(await voucherCall.json()).toMatchObject({ error: "method_not_allowed" });
  });

  it("refunds part of the unspent deposit when asked for less, and refuses more than is unspent with refund_amount_invalid", async () => {
    const buyer = buyers[4] as LocalAccount;
    const { scheme, channelId, charged } = await paidBuyer(buyer, "sla", 1);
    const before = await channelOnChain(channelId);
    const unspent = before.balance - charged;
    const held = await tokenBalance(buyer.address);
    await expect(scheme.refund(url("sla"), { amount: (unspent + 1n).toString() })).rejects.toThrow(
      /refund_amount_invalid/,
    );
    expect(await channelOnChain(channelId)).toEqual(before);
    const settled = await scheme.refund(url("sla"), { amount: "1000" });
    expect(settled.success).toBe(true);
    expect(await tokenBalance(buyer.address)).toBe(held + 1_000n);
    expect((await channelOnChain(channelId)).balance).toBe(before.balance - 1_000n);
  });
});
