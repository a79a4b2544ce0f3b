import { x402BatchSettlementAbi } from "@slabridge/contracts";
import type { PaymentPayload, PaymentRequirements } from "@x402/core/types";
import { BATCH_SETTLEMENT_ADDRESS, ERC3009_DEPOSIT_COLLECTOR_ADDRESS, toClientEvmSigner } from "@x402/evm";
import {
  BatchSettlementEvmScheme as BatchSettlementClient,
  computeChannelId,
  signVoucher,
} from "@x402/evm/batch-settlement/client";
import { BatchSettlementEvmScheme as BatchSettlementFacilitator } from "@x402/evm/batch-settlement/facilitator";
import { type Address, getAddress, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devnetStablecoinAbi } from "../evm/abis.ts";
import { deployDevnetStablecoin, type StablecoinDeployment } from "../evm/deployDevnetStablecoin.ts";
import { createDevnetClients, type DevnetClients } from "../evm/devnetClients.ts";
import { type AnvilInstance, startAnvil } from "../evm/startAnvil.ts";
import { receiptOf } from "../evm/submitTransaction.ts";
import { devnetFacilitatorSigner } from "./devnetFacilitatorSigner.ts";
import { MULTICALL3_ADDRESS, placeX402StandIn } from "./placeX402StandIn.ts";

const CHAIN_ID = 31_337;
const NETWORK = `eip155:${CHAIN_ID}` as const;
const PRICE = 1_000n; // per-request ceiling, 0.001 dUSDC

/**
 * The stock x402 SDK (client, facilitator) against slabridge's stand-in at the canonical addresses on a loopback
 * anvil: nothing in the SDK is configured or patched, so agreeing here means the stand-in is wire-compatible.
 * The tests run in order on one chain and one channel: deposit, claims, settle, refund.
 */
describe("x402 batch-settlement stand-in", () => {
  let anvil: AnvilInstance;
  let clients: DevnetClients;
  let token: StablecoinDeployment;
  let receiver: Address;
  let requirements: PaymentRequirements;
  const payer = privateKeyToAccount(generatePrivateKey());
  const receiverAuthorizer = privateKeyToAccount(generatePrivateKey());

  beforeAll(async () => {
    anvil = await startAnvil({ chainId: CHAIN_ID });
    clients = createDevnetClients({ rpcUrl: anvil.rpcUrl, chainId: CHAIN_ID });
    const [deployer, , receiverAccount] = await clients.accounts();
    if (deployer === undefined || receiverAccount === undefined) throw new Error("anvil has too few accounts");
    receiver = receiverAccount;
    token = await deployDevnetStablecoin({ clients, deployer, fund: [payer.address], mintAmount: 1_000_000n });
    await placeX402StandIn(clients);
    requirements = {
      scheme: "batch-settlement",
      network: NETWORK,
      amount: PRICE.toString(),
      asset: token.address,
      payTo: receiver,
      maxTimeoutSeconds: 3_600,
      extra: { receiverAuthorizer: receiverAuthorizer.address, withdrawDelay: 900, name: token.name, version: "2" },
    };
  });

  afterAll(async () => {
    await anvil?.stop();
  });

  const clientSigner = () => toClientEvmSigner(payer, clients.publicClient);
  const facilitator = async () => {
    const [, relayer] = await clients.accounts();
    if (relayer === undefined) throw new Error("anvil has too few accounts");
    // Delegated mode: the facilitator holds the receiverAuthorizer key and signs claim batches itself.
    return new BatchSettlementFacilitator(devnetFacilitatorSigner(clients, relayer), receiverAuthorizer);
  };
  const channelOf = (id: Hex) =>
    clients.publicClient.readContract({
      address: BATCH_SETTLEMENT_ADDRESS,
      abi: x402BatchSettlementAbi,
      functionName: "channels",
      args: [id],
    });
  const balanceOf = (account: Address) =>
    clients.publicClient.readContract({
      address: token.address,
      abi: devnetStablecoinAbi,
      functionName: "balanceOf",
      args: [account],
    });

  it("places the stand-in's code at the canonical addresses", async () => {
    for (const address of [BATCH_SETTLEMENT_ADDRESS, ERC3009_DEPOSIT_COLLECTOR_ADDRESS, MULTICALL3_ADDRESS]) {
      expect((await clients.publicClient.getCode({ address }))?.length ?? 0).toBeGreaterThan(2);
    }
    const collectorSettlement = await clients.publicClient.readContract({
      address: ERC3009_DEPOSIT_COLLECTOR_ADDRESS,
      abi: [
        { type: "function", name: "settlement", inputs: [], outputs: [{ type: "address" }], stateMutability: "view" },
      ],
      functionName: "settlement",
    });
    expect(collectorSettlement).toBe(getAddress(BATCH_SETTLEMENT_ADDRESS));
  });

  it("computes the same channel id as the SDK", async () => {
    const config = new BatchSettlementClient(clientSigner()).buildChannelConfig(requirements);
    const onChain = await clients.publicClient.readContract({
      address: BATCH_SETTLEMENT_ADDRESS,
      abi: x402BatchSettlementAbi,
      functionName: "getChannelId",
      args: [config],
    });
    expect(onChain).toBe(computeChannelId(config, NETWORK));
  });

  it("takes an SDK client's ERC-3009 deposit through the SDK facilitator's verify and settle", async () => {
    const client = new BatchSettlementClient(clientSigner());
    const created = await client.createPaymentPayload(2, requirements);
    expect(created.payload.type).toBe("deposit");
    const payment: PaymentPayload = {
      x402Version: created.x402Version,
      accepted: requirements,
      payload: created.payload,
    };
    const scheme = await facilitator();

    const verified = await scheme.verify(payment, requirements);
    expect(verified.invalidReason).toBeUndefined();
    expect(verified.isValid).toBe(true);

    const settled = await scheme.settle(payment, requirements);
    expect(settled.errorReason).toBeUndefined();
    expect(settled.success).toBe(true);
    const deposited = BigInt(settled.amount ?? "0");
    expect(deposited).toBeGreaterThanOrEqual(PRICE);

    const id = computeChannelId(client.buildChannelConfig(requirements), NETWORK);
    expect(await channelOf(id)).toEqual([deposited, 0n]);
    expect(await balanceOf(BATCH_SETTLEMENT_ADDRESS)).toBe(deposited);
    expect(await balanceOf(payer.address)).toBe(1_000_000n - deposited);
  });

  it("claims an SDK-signed voucher on chain, then claims and settles through the SDK facilitator", async () => {
    const signer = clientSigner();
    const config = new BatchSettlementClient(signer).buildChannelConfig(requirements);
    const id = computeChannelId(config, NETWORK);
    const [balance] = await channelOf(id);
    expect(balance).toBeGreaterThanOrEqual(3n * PRICE);

    // The receiver claims less than the voucher's ceiling directly (claim: msg.sender is the receiver).
    const first = await signVoucher(signer, id, (2n * PRICE).toString(), NETWORK);
    const hash = await clients.wallet(receiver).writeContract({
      address: BATCH_SETTLEMENT_ADDRESS,
      abi: x402BatchSettlementAbi,
      functionName: "claim",
      args: [
        [
          {
            voucher: { channel: config, maxClaimableAmount: 2n * PRICE },
            signature: first.signature,
            totalClaimed: 1_500n,
          },
        ],
      ],
    });
    expect((await receiptOf(clients.publicClient, hash, "claim")).status).toBe("success");
    expect(await channelOf(id)).toEqual([balance, 1_500n]);

    // The next voucher, claimed by the facilitator with its ClaimBatch signature, then swept to the receiver.
    const second = await signVoucher(signer, id, (3n * PRICE).toString(), NETWORK);
    const scheme = await facilitator();
    const claimed = await scheme.settle(
      {
        x402Version: 2,
        accepted: requirements,
        payload: {
          type: "claim",
          claims: [
            {
              voucher: { channel: config, maxClaimableAmount: second.maxClaimableAmount },
              signature: second.signature,
              totalClaimed: "2700",
            },
          ],
        },
      },
      requirements,
    );
    expect(claimed.errorReason).toBeUndefined();
    expect(claimed.success).toBe(true);
    expect(await channelOf(id)).toEqual([balance, 2_700n]);

    const swept = await scheme.settle(
      {
        x402Version: 2,
        accepted: requirements,
        payload: { type: "settle", receiver, token: token.address },
      },
      requirements,
    );
    expect(swept.success).toBe(true);
    expect(swept.amount).toBe("2700");
    expect(await balanceOf(receiver)).toBe(2_700n);
    expect(await balanceOf(BATCH_SETTLEMENT_ADDRESS)).toBe(balance - 2_700n);
  });

  it("refunds through the SDK facilitator: a last claim and the signed refund in one multicall, nonce bumped", async () => {
    const signer = clientSigner();
    const config = new BatchSettlementClient(signer).buildChannelConfig(requirements);
    const id = computeChannelId(config, NETWORK);
    const [balance, before] = await channelOf(id);
    const payerBefore = await balanceOf(payer.address);
    const last = await signVoucher(signer, id, (3n * PRICE).toString(), NETWORK);
    const claim = {
      voucher: { channel: config, maxClaimableAmount: last.maxClaimableAmount },
      signature: last.signature,
      totalClaimed: "2800",
    };
    const refunded = await (await facilitator()).settle(
      {
        x402Version: 2,
        accepted: requirements,
        payload: {
          type: "refund",
          channelConfig: config,
          voucher: last,
          amount: PRICE.toString(),
          refundNonce: "0",
          claims: [claim],
        },
      },
      requirements,
    );
    expect(refunded.errorReason).toBeUndefined();
    expect(refunded.success).toBe(true);
    expect(before).toBe(2_700n);
    expect(await channelOf(id)).toEqual([balance - PRICE, 2_800n]);
    expect(await balanceOf(payer.address)).toBe(payerBefore + PRICE);
    const nonce = await clients.publicClient.readContract({
      address: BATCH_SETTLEMENT_ADDRESS,
      abi: x402BatchSettlementAbi,
      functionName: "refundNonce",
      args: [id],
    });
    expect(nonce).toBe(1n);
  });
});
