import { MemoryUsageReceiptStore, MemoryVoucherCheckpointStore } from "@slabridge/core";
import {
  type AnvilInstance,
  createDevnetClients,
  type DemoHost,
  type DevnetClients,
  deployDevnetStablecoin,
  placeX402StandIn,
  type StablecoinDeployment,
  startAnvil,
  startDemoHost,
} from "@slabridge/devnet";
import { x402Facilitator } from "@x402/core/facilitator";
import { decodePaymentRequiredHeader } from "@x402/core/http";
import { HTTPFacilitatorClient } from "@x402/core/server";
import type { PaymentPayload, PaymentRequirements } from "@x402/core/types";
import { BATCH_SETTLEMENT_ADDRESS, toClientEvmSigner } from "@x402/evm";
import { BatchSettlementEvmScheme as BatchSettlementClient, signVoucher } from "@x402/evm/batch-settlement/client";
import { BatchSettlementEvmScheme as BatchSettlementFacilitator } from "@x402/evm/batch-settlement/facilitator";
import { wrapFetchWithPayment, x402Client } from "@x402/fetch";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryChannelRecordStore } from "../channels/MemoryChannelRecordStore.ts";
import { VersionedChannelStorage } from "../channels/VersionedChannelStorage.ts";
import { createGateway } from "../createGateway.ts";
import { type LoopbackServer, serveOnLoopback } from "../node/serveOnLoopback.ts";
import { rpcFacilitatorSigner } from "../service/rpcFacilitatorSigner.ts";
import { createFacilitatorHandler } from "./facilitatorHandler.ts";

const CHAIN_ID = 31_337;
const NETWORK = `eip155:${CHAIN_ID}` as const;
const CEILING = 5_000n;
const MINTED = 10_000_000n;
const CHAT = JSON.stringify({ model: "llama-demo", messages: [{ role: "user", content: "hi" }] });

/**
 * slabridge's facilitator endpoints served on loopback over the SDK facilitator (anvil with the x402 stand-in), used
 * by the stock `HTTPFacilitatorClient`, and by a gateway whose deposits are verified and settled through them.
 */
describe("createFacilitatorHandler (stock HTTPFacilitatorClient, loopback anvil)", () => {
  let anvil: AnvilInstance;
  let clients: DevnetClients;
  let token: StablecoinDeployment;
  let host: DemoHost;
  let facilitatorServer: LoopbackServer;
  let gatewayServer: LoopbackServer;
  let facilitator: x402Facilitator;
  let client: HTTPFacilitatorClient;
  const calls: string[] = [];
  const receiverAuthorizer = privateKeyToAccount(generatePrivateKey());
  const buyer = privateKeyToAccount(generatePrivateKey());
  const receiver = privateKeyToAccount(generatePrivateKey()).address;

  beforeAll(async () => {
    anvil = await startAnvil({ chainId: CHAIN_ID });
    clients = createDevnetClients({ rpcUrl: anvil.rpcUrl, chainId: CHAIN_ID });
    const [deployer, relayer] = await clients.accounts();
    if (deployer === undefined || relayer === undefined) throw new Error("anvil has too few accounts");
    token = await deployDevnetStablecoin({ clients, deployer, fund: [buyer.address], mintAmount: MINTED });
    await placeX402StandIn(clients);
    host = await startDemoHost({ name: "h1", model: "llama-demo", latency: { baseMs: 1 }, failureRate: 0 });

    facilitator = new x402Facilitator().register(
      NETWORK,
      // The signer the Lambda builds too: viem clients over the chain's RPC URL, the relayer unlocked in anvil.
      new BatchSettlementFacilitator(
        rpcFacilitatorSigner({ chainId: CHAIN_ID, rpcUrl: anvil.rpcUrl, account: relayer }),
        receiverAuthorizer,
      ),
    );
    const handle = createFacilitatorHandler(facilitator, { maxBodyBytes: 16 * 1_024 });
    facilitatorServer = await serveOnLoopback(async (request) => {
      calls.push(`${request.method} ${new URL(request.url).pathname}`);
      return handle(request);
    });
    client = new HTTPFacilitatorClient({ url: `${facilitatorServer.url}/facilitator` });

    const gateway = await createGateway({
      models: [
        {
          key: "llama",
          model: "llama-demo",
          modelId: 2n,
          network: NETWORK,
          asset: token.address,
          assetName: token.name,
          assetVersion: "2",
          payTo: receiver,
          hostUrl: host.url,
          price: { perInputToken: 3n, perOutputToken: 7n, ceiling: CEILING },
          clock: { genesis: 0n, epochSeconds: 3_600n },
          rateLimit: { burst: 50, perSecond: 50 },
          onchainStateTtlMs: 0,
        },
      ],
      facilitator: client,
      storage: new VersionedChannelStorage(new MemoryChannelRecordStore()),
      checkpoints: new MemoryVoucherCheckpointStore(),
      usageReceipts: new MemoryUsageReceiptStore(),
      receiptSigner: privateKeyToAccount(generatePrivateKey()),
    });
    gatewayServer = await serveOnLoopback(gateway.handle);
  });

  afterAll(async () => {
    await gatewayServer?.close();
    await facilitatorServer?.close();
    await host?.close();
    await anvil?.stop();
  });

  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${facilitatorServer.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
    });
  const requirements = async (): Promise<PaymentRequirements> => {
    const response = await fetch(`${gatewayServer.url}/models/llama/v1/chat/completions`, {
      method: "POST",
      body: CHAT,
    });
    const [accept] = decodePaymentRequiredHeader(response.headers.get("payment-required") ?? "").accepts;
    if (accept === undefined) throw new Error("no accepts in the 402");
    return accept;
  };

  it("answers GET /facilitator/supported with the facilitator's kinds and signers, as the client parses them", async () => {
    const supported = await client.getSupported();
    expect(supported).toEqual(facilitator.getSupported());
    expect(supported.kinds).toEqual([
      {
        x402Version: 2,
        scheme: "batch-settlement",
        network: NETWORK,
        extra: { receiverAuthorizer: receiverAuthorizer.address },
      },
    ]);
  });

  it("verifies and settles a stock client's deposit through /facilitator/verify and /facilitator/settle", async () => {
    const scheme = new BatchSettlementClient(toClientEvmSigner(buyer, clients.publicClient));
    const x402 = new x402Client().register(NETWORK, scheme);
    x402.setSpendControls(false); // the devnet stablecoin is not one of the SDK's default assets
    const pay = wrapFetchWithPayment(fetch, x402);
    calls.length = 0;
    const first = await pay(`${gatewayServer.url}/models/llama/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: CHAT,
    });
    expect(first.status).toBe(200);
    expect(calls).toEqual(expect.arrayContaining(["POST /facilitator/verify", "POST /facilitator/settle"]));
    const deposited = await clients.publicClient.readContract({
      address: token.address,
      abi: [
        {
          type: "function",
          name: "balanceOf",
          stateMutability: "view",
          inputs: [{ name: "account", type: "address" }],
          outputs: [{ name: "", type: "uint256" }],
        },
      ],
      functionName: "balanceOf",
      args: [BATCH_SETTLEMENT_ADDRESS],
    });
    expect(deposited).toBeGreaterThanOrEqual(CEILING);
    // The next call is a voucher on the funded channel: verified again through HTTP (no local trust, TTL 0).
    const second = await pay(`${gatewayServer.url}/models/llama/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: CHAT,
    });
    expect(second.status).toBe(200);
  });

  it("answers an invalid payment with 200 and isValid false, which the client returns as is", async () => {
    const accepted = await requirements();
    const scheme = new BatchSettlementClient(toClientEvmSigner(buyer, clients.publicClient));
    const config = scheme.buildChannelConfig(accepted);
    // A voucher on a channel that was never funded.
    const stranger = privateKeyToAccount(generatePrivateKey());
    const voucher = await signVoucher(
      toClientEvmSigner(stranger, clients.publicClient),
      `0x${"42".repeat(32)}`,
      CEILING.toString(),
      NETWORK,
    );
    const payload: PaymentPayload = {
      x402Version: 2,
      accepted,
      payload: { type: "voucher", channelConfig: config, voucher },
    };
    const verified = await client.verify(payload, accepted);
    expect(verified.isValid).toBe(false);
    expect(verified.invalidReason).toMatch(/^invalid_batch_settlement_evm_/);
  });

  it("refuses a body that is not JSON, not a v2 request, or too large with a typed 400/413, and unknown routes", async () => {
    const notJson = await post("/facilitator/verify", "{not json");
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ error: "invalid_json" });

    const accepted = await requirements();
    for (const body of [
      {},
      { x402Version: 1, paymentPayload: { x402Version: 2, accepted, payload: {} }, paymentRequirements: accepted },
      { x402Version: 2, paymentPayload: { x402Version: 2, accepted, payload: {} } },
      { x402Version: 2, paymentPayload: { accepted, payload: {} }, paymentRequirements: accepted },
      {
        x402Version: 2,
        paymentPayload: { x402Version: 2, accepted, payload: {} },
        paymentRequirements: { ...accepted, amount: "-1" },
      },
    ]) {
      const response = await post("/facilitator/settle", JSON.stringify(body));
      expect(response.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(await response.json()).toMatchObject({ error: "invalid_request" });
    }

    const big = await post("/facilitator/verify", JSON.stringify({ padding: "x".repeat(20_000) }));
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ error: "request_too_large" });

    expect((await fetch(`${facilitatorServer.url}/facilitator/verify`)).status).toBe(405);
    expect((await post("/facilitator/supported", "{}")).status).toBe(405);
    const unknown = await post("/facilitator/refund", "{}");
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: "not_found" });
  });
});
