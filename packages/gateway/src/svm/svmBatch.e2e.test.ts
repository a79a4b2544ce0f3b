import { createStablecoinFixture, SolanaLocalRpc, type StablecoinFixture } from "@slabridge/devnet";
import { deriveSvmChannelId } from "@slabridge/solana";
import { createApproveInstruction, unpackAccount } from "@solana/spl-token";
import { Connection, Keypair, Transaction } from "@solana/web3.js";
import { x402Facilitator } from "@x402/core/facilitator";
import { decodePaymentResponseHeader } from "@x402/core/http";
import { type HTTPRequestContext, x402HTTPResourceServer, x402ResourceServer } from "@x402/core/server";
import type { PaymentPayload, PaymentRequirements } from "@x402/core/types";
import { wrapFetchWithPayment, x402Client } from "@x402/fetch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchAdapter, responseOf } from "../http/fetchAdapter.ts";
import { localFacilitatorClient } from "../http/localFacilitatorClient.ts";
import { type LoopbackServer, serveOnLoopback } from "../node/serveOnLoopback.ts";
import { SlabridgeSvmBatchClientScheme } from "./SlabridgeSvmBatchClientScheme.ts";
import { SlabridgeSvmBatchFacilitatorScheme } from "./SlabridgeSvmBatchFacilitatorScheme.ts";
import { chainPulledAmounts, SlabridgeSvmBatchServerScheme } from "./SlabridgeSvmBatchServerScheme.ts";
import { MemorySvmChannelStore } from "./SvmChannelStore.ts";
import { svmVoucherPayloadSchema } from "./svmPayload.ts";

const NETWORK = "solana:slabridge-loopback";
const MODEL = 3n;
const CEILING = 2_000n;
const CAP = 50_000n;

describe("SVM batch-settlement over x402 (loopback Solana devnet)", () => {
  let rpc: SolanaLocalRpc;
  let fx: StablecoinFixture;
  let connection: Connection;
  let server: LoopbackServer;
  let serverScheme: SlabridgeSvmBatchServerScheme;
  const store = new MemorySvmChannelStore();
  /** What the "host" used per call, in order: the charge is the actual usage, below the ceiling. */
  const charges: bigint[] = [];

  beforeAll(async () => {
    rpc = await SolanaLocalRpc.start();
    const operators = [Keypair.generate(), Keypair.generate(), Keypair.generate()];
    fx = createStablecoinFixture(rpc, {
      operators: operators.map((k) => k.publicKey),
      threshold: 2,
      buyers: [Keypair.generate()],
    });
    connection = new Connection(rpc.url, "confirmed");
    const facilitator = new x402Facilitator().register(NETWORK, new SlabridgeSvmBatchFacilitatorScheme());
    serverScheme = new SlabridgeSvmBatchServerScheme({
      connection,
      store,
      modelId: MODEL,
      decimals: fx.decimals,
      allowanceTtlMs: 0, // each call reads the allowance: the cap test lowers it between calls
      pulled: chainPulledAmounts({ connection, vault: fx.vault, multisigAuthority: fx.multisig }),
    });
    const resourceServer = new x402ResourceServer(localFacilitatorClient(facilitator)).register(NETWORK, serverScheme);
    const http = new x402HTTPResourceServer(resourceServer, {
      "POST /models/demo/*": {
        accepts: {
          scheme: "batch-settlement",
          network: NETWORK,
          payTo: fx.multisig.toBase58(),
          price: { amount: CEILING.toString(), asset: fx.mint.toBase58() },
          maxTimeoutSeconds: 60,
        },
        description: "demo model, per call",
        mimeType: "application/json",
      },
    });
    await http.initialize();
    server = await serveOnLoopback(async (request) => {
      const url = new URL(request.url);
      const header = request.headers.get("payment-signature");
      const context: HTTPRequestContext = {
        adapter: fetchAdapter(request, url),
        path: url.pathname,
        method: request.method,
        ...(header === null ? {} : { paymentHeader: header }),
      };
      const result = await http.processHTTPRequest(context);
      if (result.type === "payment-error") return responseOf(result.response);
      if (result.type === "no-payment-required") throw new Error("the route is paid");
      const charge = charges.shift() ?? CEILING;
      const settled = await http.processSettlement(
        result.paymentPayload,
        result.paymentRequirements,
        result.declaredExtensions,
        { request: context },
        { amount: charge.toString() },
      );
      if (!settled.success) return responseOf(settled.response);
      return new Response(JSON.stringify({ answer: "ok" }), { status: 200, headers: settled.headers });
    });
  });
  afterAll(async () => {
    await server?.close();
    await rpc?.close();
  });

  const buyer = () => {
    const b = fx.buyers[0];
    if (b === undefined) throw new Error("no buyer");
    return b;
  };
  const scheme = (salt: Uint8Array, approveAmount = CAP) =>
    new SlabridgeSvmBatchClientScheme({
      signer: buyer().keypair,
      connection,
      tokenAccount: buyer().tokenAccount,
      approveAmount,
      salt,
    });
  const paidFetch = (client: SlabridgeSvmBatchClientScheme) => {
    const x402 = new x402Client().register("solana:*", client);
    // The devnet stablecoin is no SDK default asset: allow it, capped at one call's ceiling.
    x402.setSpendControls({
      allowedAssets: [{ network: NETWORK, asset: fx.mint.toBase58(), maxAmountPerPayment: CEILING.toString() }],
    });
    return wrapFetchWithPayment(fetch, x402);
  };
  const channelIdOf = (salt: Uint8Array) =>
    `0x${Buffer.from(
      deriveSvmChannelId({
        payer: buyer().keypair.publicKey,
        tokenAccount: buyer().tokenAccount,
        mint: fx.mint,
        vaultAuthority: fx.multisig,
        modelId: MODEL,
        salt,
      }),
    ).toString("hex")}`;
  const call = (pay: typeof fetch) =>
    pay(`${server.url}/models/demo/v1/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ prompt: "hi" }),
    });

  it("lets two clients of one wallet (two channels) make their first calls at once: one approval serves both", async () => {
    // Both send the same approval with the same blockhash: identical bytes, so the second is refused as processed.
    const [first, second] = [
      paidFetch(scheme(new Uint8Array(32).fill(7))),
      paidFetch(scheme(new Uint8Array(32).fill(8))),
    ];
    charges.push(900n, 900n);
    const responses = await Promise.all([call(first), call(second)]);
    expect(responses.map((response) => response.status)).toEqual([200, 200]);
  });

  it("approves once, then pays 3 calls with vouchers and sees each charge in PAYMENT-RESPONSE", async () => {
    const salt = new Uint8Array(32).fill(1);
    const pay = paidFetch(scheme(salt));
    charges.push(1_200n, 800n, 1_500n);
    const seen: Array<{ charged: unknown; cumulative: unknown }> = [];
    for (let i = 0; i < 3; i++) {
      const response = await call(pay);
      expect(response.status).toBe(200);
      const header = response.headers.get("payment-response");
      expect(header).not.toBeNull();
      const settled = decodePaymentResponseHeader(header ?? "");
      expect(settled.success).toBe(true);
      expect(settled.payer).toBe(buyer().keypair.publicKey.toBase58());
      const state = settled.extra?.channelState;
      seen.push({
        charged: settled.extra?.chargedAmount,
        cumulative:
          typeof state === "object" && state !== null ? Reflect.get(state, "chargedCumulativeAmount") : undefined,
      });
    }
    expect(seen).toEqual([
      { charged: "1200", cumulative: "1200" },
      { charged: "800", cumulative: "2000" },
      { charged: "1500", cumulative: "3500" },
    ]);
    // The approval landed (sent by the client itself), and nothing moved yet: money moves at the epoch's claim.
    const info = await connection.getAccountInfo(buyer().tokenAccount);
    if (info === null) throw new Error("no token account");
    const account = unpackAccount(buyer().tokenAccount, info, info.owner);
    expect(account.delegate?.toBase58()).toBe(fx.multisig.toBase58());
    expect(account.delegatedAmount).toBe(CAP);
    // The voucher held is the last call's: charged 3,500 so far, signed for 2,000 charged before it + its ceiling.
    expect((await store.get(channelIdOf(salt)))?.record).toMatchObject({
      chargedCumulativeAmount: "3500",
      signedCumulativeAmount: "4000",
    });
  });

  it("a client that lost its state is corrected by a 402 with the channel state and pays on the retry", async () => {
    const pay = paidFetch(scheme(new Uint8Array(32).fill(1))); // same channel, fresh client: it believes 0 was charged
    charges.push(700n);
    const response = await call(pay);
    expect(response.status).toBe(200);
    const settled = decodePaymentResponseHeader(response.headers.get("payment-response") ?? "");
    expect(settled.extra?.chargedAmount).toBe("700");
    expect(settled.extra?.channelState).toMatchObject({ chargedCumulativeAmount: "4200" });
  });

  it("refuses a forged voucher, another model's channel and a second call in flight; a cancelled call frees it", async () => {
    const requirements = (modelId: bigint): PaymentRequirements => ({
      scheme: "batch-settlement",
      network: NETWORK,
      asset: fx.mint.toBase58(),
      amount: CEILING.toString(),
      payTo: fx.multisig.toBase58(),
      maxTimeoutSeconds: 60,
      extra: { svmChannel: { modelId: modelId.toString(), decimals: fx.decimals, voucher: "x402-svm-batch-v1" } },
    });
    const hooks = serverScheme.schemeHooks;
    const verify = async (payload: PaymentPayload) => {
      const result = await hooks.onBeforeVerify?.({
        paymentPayload: payload,
        requirements: requirements(MODEL),
        declaredExtensions: {},
      });
      return result !== undefined && "abort" in result ? result.reason : "ok";
    };
    const payloadFor = async (client: SlabridgeSvmBatchClientScheme, modelId = MODEL): Promise<PaymentPayload> => ({
      ...(await client.createPaymentPayload(2, requirements(modelId))),
      accepted: requirements(modelId),
    });
    const client = scheme(new Uint8Array(32).fill(5));

    const honest = await payloadFor(client);
    const forger = await payloadFor(scheme(new Uint8Array(32).fill(6)));
    const honestVoucher = svmVoucherPayloadSchema.parse(honest.payload);
    const forgerVoucher = svmVoucherPayloadSchema.parse(forger.payload);
    const forged: PaymentPayload = {
      ...honest,
      payload: { ...honestVoucher, voucher: { ...honestVoucher.voucher, signature: forgerVoucher.voucher.signature } },
    };
    expect(await verify(forged)).toBe("invalid_batch_settlement_svm_signature");
    expect(await verify(await payloadFor(scheme(new Uint8Array(32).fill(5)), MODEL + 1n))).toBe(
      "invalid_batch_settlement_svm_channel_terms",
    );

    expect(await verify(honest)).toBe("ok");
    const again = await payloadFor(client);
    expect(await verify(again)).toBe("invalid_batch_settlement_svm_channel_busy");
    await hooks.onVerifiedPaymentCanceled?.({
      paymentPayload: honest,
      requirements: requirements(MODEL),
      declaredExtensions: {},
      phase: "cancel",
      reason: "handler_failed",
      settledPhases: [],
    });
    expect(await verify(again)).toBe("ok"); // released: nothing was charged, the same voucher base holds
  });

  it("refuses a voucher whose outstanding amount exceeds the approval (the cap)", async () => {
    // The buyer lowers its approval below one call; its client re-approves, but only 1,500 < the 2,000 ceiling.
    const { keypair, tokenAccount } = buyer();
    const latest = await connection.getLatestBlockhash();
    const lower = new Transaction({ feePayer: keypair.publicKey, ...latest }).add(
      createApproveInstruction(tokenAccount, fx.multisig, keypair.publicKey, 1_000n),
    );
    lower.sign(keypair);
    await connection.confirmTransaction({
      signature: await connection.sendRawTransaction(lower.serialize()),
      ...latest,
    });

    const salt = new Uint8Array(32).fill(3);
    const response = await call(paidFetch(scheme(salt, 1_500n)));
    expect(response.status).toBe(402);
    const required: unknown = JSON.parse(
      Buffer.from(response.headers.get("payment-required") ?? "", "base64").toString("utf8"),
    );
    expect(required).toMatchObject({ error: "invalid_batch_settlement_svm_allowance" });
    expect(await store.get(channelIdOf(salt))).toBeUndefined();
  });
});
