import {
  MemorySvmVoucherCheckpointStore,
  MemoryUsageReceiptStore,
  MemoryVoucherCheckpointStore,
  NotReadyError,
  STREAM_PAYMENT_EVENT,
} from "@slabridge/core";
import { createStablecoinFixture, SolanaLocalRpc, type StablecoinFixture } from "@slabridge/devnet";
import {
  batchSettlementFacilitator,
  createGateway,
  type Gateway,
  type GatewaySvmModelInput,
  type LoopbackServer,
  localFacilitatorClient,
  MemoryChannelRecordStore,
  SlabridgeSvmBatchClientScheme,
  serveOnLoopback,
  VersionedChannelStorage,
} from "@slabridge/gateway";
import {
  SolanaReceiptSource,
  SolanaSender,
  SolanaVoucherClaimer,
  vaultScanCursorId,
  watchSolanaVault,
} from "@slabridge/solana";
import { MemoryCursorStore, MemoryPaymentStore, MemorySendLeaseStore } from "@slabridge/store";
import { Connection, Keypair } from "@solana/web3.js";
import { decodePaymentResponseHeader } from "@x402/core/http";
import { wrapFetchWithPayment, x402Client } from "@x402/fetch";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CHAIN_ID = 9_001;
const NETWORK = "solana:slabridge-loopback";
const MODEL = 7n;
const EPOCH_SECONDS = 10;
const PRICE = { perInputToken: 3n, perOutputToken: 5n, ceiling: 4_000n };
const CAP = 1_000_000n;
/** What the demo host reports per call, per buyer: each buyer's 3 calls are charged differently. */
const USAGE = [
  [
    [10, 20],
    [30, 40],
    [5, 5],
  ],
  [
    [100, 1],
    [7, 70],
    [50, 50],
  ],
] as const;

/**
 * Solana pay per call end to end on the loopback devnet: 2 buyers pay 3 calls each through the gateway with the stock
 * `@x402/fetch` and slabridge's SVM client scheme; at the epoch's end the receipt source claims the epoch's vouchers
 * (the vault multisig pulls each buyer's charged sum), the vault watcher books one payment per buyer in that epoch,
 * and only then are its receipts cut. A second claim pulls nothing.
 */
describe("Solana pay per call: gateway checkpoints, epoch-end claim, vault booking", () => {
  let rpc: SolanaLocalRpc;
  let fx: StablecoinFixture;
  let host: LoopbackServer;
  let server: LoopbackServer;
  let gateway: Gateway;
  const operators = [Keypair.generate(), Keypair.generate(), Keypair.generate()];
  const feePayer = Keypair.generate();
  const svmCheckpoints = new MemorySvmVoucherCheckpointStore();
  const usageReceipts = new MemoryUsageReceiptStore();
  const cursors = new MemoryCursorStore();
  const payments = new MemoryPaymentStore();
  const leases = new MemorySendLeaseStore();
  let genesis = 0;
  let hostCalls = 0;
  const usageQueue: Array<readonly [number, number]> = [];

  beforeAll(async () => {
    rpc = await SolanaLocalRpc.start();
    fx = createStablecoinFixture(rpc, {
      operators: operators.map((k) => k.publicKey),
      threshold: 2,
      buyers: [Keypair.generate(), Keypair.generate()],
    });
    rpc.airdrop(feePayer.publicKey, 10_000_000_000);
    host = await serveOnLoopback(async (request) => {
      hostCalls++;
      const [prompt, completion] = usageQueue.shift() ?? [1, 1];
      const usage = { prompt_tokens: prompt, completion_tokens: completion };
      const body = (await request.json()) as { stream?: boolean };
      if (body.stream !== true) return Response.json({ answer: "ok", usage });
      // An OpenAI-style stream: content deltas, then the usage the gateway asked for, then [DONE].
      const events = [
        ...["An", " SLA"].map((content) => ({ choices: [{ index: 0, delta: { content } }] })),
        { choices: [], usage },
      ];
      const text = `${events.map((event) => `data: ${JSON.stringify(event)}\n\n`).join("")}data: [DONE]\n\n`;
      return new Response(text, { headers: { "content-type": "text/event-stream" } });
    });
    // Epoch 0 starts now: every call of the test is in it.
    genesis = Math.floor(Date.now() / 1000);
    const model: GatewaySvmModelInput = {
      key: "demo-sol",
      model: "demo",
      modelId: MODEL,
      network: NETWORK,
      chainId: CHAIN_ID,
      rpcUrl: rpc.url,
      asset: fx.mint.toBase58(),
      decimals: fx.decimals,
      payTo: fx.multisig.toBase58(),
      vault: fx.vault.toBase58(),
      hostUrl: host.url,
      price: PRICE,
      clock: { genesis: BigInt(genesis), epochSeconds: BigInt(EPOCH_SECONDS) },
      rateLimit: { burst: 100, perSecond: 100 },
      allowanceTtlMs: 0,
    };
    gateway = await createGateway({
      models: [model],
      facilitator: localFacilitatorClient(batchSettlementFacilitator([], [NETWORK])),
      storage: new VersionedChannelStorage(new MemoryChannelRecordStore()),
      checkpoints: new MemoryVoucherCheckpointStore(),
      usageReceipts,
      svmCheckpoints,
      receiptSigner: privateKeyToAccount(`0x${"11".repeat(32)}`),
    });
    server = await serveOnLoopback((request) => gateway.handle(request));
  });
  afterAll(async () => {
    await server?.close();
    await host?.close();
    await rpc?.close();
  });

  const connection = () => new Connection(rpc.url, "confirmed");
  const buyer = (index: number) => {
    const b = fx.buyers[index];
    if (b === undefined) throw new Error(`no buyer ${index}`);
    return b;
  };
  /** A demo buyer's paying fetch: the SVM client scheme approves the vault multisig up to CAP on its first call. */
  const paidFetch = (index: number) => {
    const scheme = new SlabridgeSvmBatchClientScheme({
      signer: buyer(index).keypair,
      connection: connection(),
      tokenAccount: buyer(index).tokenAccount,
      approveAmount: CAP,
    });
    const client = new x402Client().register("solana:*", scheme);
    client.setSpendControls({
      allowedAssets: [{ network: NETWORK, asset: fx.mint.toBase58(), maxAmountPerPayment: PRICE.ceiling.toString() }],
    });
    return wrapFetchWithPayment(fetch, client);
  };
  const charged = (usage: readonly [number, number]) =>
    BigInt(usage[0]) * PRICE.perInputToken + BigInt(usage[1]) * PRICE.perOutputToken;

  const models = () => [
    {
      modelId: MODEL.toString(),
      homeChainId: 1,
      genesis,
      epochSeconds: EPOCH_SECONDS,
      hostName: "demo",
      hostUrl: host.url,
      pricePerRequest: "0",
    },
  ];
  const watch = () =>
    watchSolanaVault({
      solana: {
        chainId: CHAIN_ID,
        family: "solana",
        name: "solana",
        rpcUrl: rpc.url,
        wsUrl: rpc.url,
        vault: fx.vault.toBase58(),
        mint: fx.mint.toBase58(),
        multisig: fx.multisig.toBase58(),
        decimals: fx.decimals,
        threshold: 2,
        operators: [],
        wormholeEmitter: `0x${"00".repeat(32)}`,
      },
      manifest: { models: models() },
      rpcUrl: rpc.url,
      payments,
      cursors,
      clock: { now: () => Date.now() },
    });

  it("books each buyer's charged calls as one payment in the epoch they were made in", async () => {
    for (const index of [0, 1]) {
      const pay = paidFetch(index);
      for (const usage of USAGE[index] ?? []) {
        usageQueue.push(usage);
        const response = await pay(`${server.url}/models/demo-sol/v1/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ prompt: "hi" }),
        });
        expect(response.status).toBe(200);
        await response.arrayBuffer();
      }
    }
    expect(hostCalls).toBe(6);
    const sums = [0, 1].map((i) => (USAGE[i] ?? []).reduce((sum, usage) => sum + charged(usage), 0n));
    const checkpoints = await svmCheckpoints.list(CHAIN_ID, MODEL, 0n);
    expect(checkpoints.map((c) => [c.payer, c.totalClaimed]).sort()).toEqual(
      [0, 1].map((i) => [buyer(i).keypair.publicKey.toBase58(), sums[i]]).sort(),
    );
    // Every served call left a signed usage receipt (SLA evidence), the payer as its 32 key bytes.
    const attested = await usageReceipts.listEpoch(MODEL, 0n);
    expect(attested).toHaveLength(6);
    const chargedByPayer = new Map<string, bigint>();
    for (const { receipt, chainId } of attested) {
      expect({ chainId, served: receipt.served }).toEqual({ chainId: CHAIN_ID, served: true });
      chargedByPayer.set(receipt.payer, (chargedByPayer.get(receipt.payer) ?? 0n) + receipt.charge);
    }
    expect([...chargedByPayer].sort()).toEqual(
      [0, 1].map((i) => [`0x${buyer(i).keypair.publicKey.toBuffer().toString("hex")}`, sums[i]]).sort(),
    );

    const sender = new SolanaSender({
      connection: connection(),
      payer: feePayer,
      priorityFee: { microLamports: 1_000, bumpFactor: 2, max: 50_000 },
      confirmTimeoutMs: 30_000,
      pollIntervalMs: 20,
    });
    const claimer = new SolanaVoucherClaimer({
      access: {
        chainId: CHAIN_ID,
        connection: connection(),
        sender,
        feePayer: feePayer.publicKey,
        operators: operators.slice(0, 2),
        vault: fx.vault,
        multisig: fx.multisig,
        mint: fx.mint,
        decimals: fx.decimals,
        leases,
      },
      checkpoints: svmCheckpoints,
      now: Date.now,
    });
    const published: string[] = [];
    const receipts = new SolanaReceiptSource({
      chainId: CHAIN_ID,
      homeChainId: 1,
      models: models(),
      payments,
      cursors,
      vaultScanCursorId: vaultScanCursorId(fx.vault.toBase58()),
      claimer,
      claimDelayMs: 500,
      publisher: {
        publish: async (payload) => {
          published.push(payload);
          return { emitterChain: 1, emitter: `0x${"00".repeat(32)}`, sequence: BigInt(published.length) };
        },
      },
    });

    // The epoch ends (plus the claim delay); the first relay attempt claims, then waits for the vault pass.
    const readyAt = (genesis + EPOCH_SECONDS) * 1000 + 500;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, readyAt - Date.now() + 100)));
    await watch();
    expect((await receipts.progress(MODEL, 0n)).epochOver).toBe(true);
    await expect(receipts.relayNextBatch(MODEL, 0n, "wormhole", 100)).rejects.toBeInstanceOf(NotReadyError);
    expect(published).toEqual([]);

    await watch();
    const booked = await payments.listEpoch(CHAIN_ID, MODEL, 0n);
    expect(booked.map((p) => [p.buyer, p.amount]).sort()).toEqual(
      [0, 1].map((i) => [buyer(i).keypair.publicKey.toBase58(), sums[i]]).sort(),
    );
    expect(await payments.listEpoch(CHAIN_ID, MODEL, 1n)).toEqual([]);

    await receipts.relayNextBatch(MODEL, 0n, "wormhole", 100);
    expect(published).toHaveLength(1);
    expect((await receipts.progress(MODEL, 0n)).relayedAll).toBe(true);

    // Claimed once: a second pass finds both pulls in the vault's history and pulls nothing.
    const again = await claimer.claim(MODEL, 0n);
    expect(again.pulled).toEqual([]);
    expect(again.alreadyPulled.map((p) => p.amount).sort()).toEqual([...sums].sort());
  }, 60_000);

  it("streams a paid call on Solana: charged its usage at [DONE] in the stream's last payment event, and the stock client pays on", async () => {
    // All three calls in one epoch: start with at least 4 s of it left.
    const msIntoEpoch = (Date.now() - genesis * 1000) % (EPOCH_SECONDS * 1000);
    if (msIntoEpoch > (EPOCH_SECONDS - 4) * 1000) {
      await new Promise((resolve) => setTimeout(resolve, EPOCH_SECONDS * 1000 - msIntoEpoch + 50));
    }
    const epoch = BigInt(Math.floor((Date.now() / 1000 - genesis) / EPOCH_SECONDS));
    const pay = paidFetch(0);
    const url = `${server.url}/models/demo-sol/v1/chat/completions`;
    const post = (stream: boolean) =>
      pay(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "demo", messages: [{ role: "user", content: "hi" }], stream }),
      });
    /** A streamed answer's events: its data lines, parsed, and the name of the payment event's. */
    const streamed = async (response: Response) => {
      expect(response.headers.get("content-type")).toContain("text/event-stream");
      expect(response.headers.get("payment-response")).toBeNull(); // nothing is settled when the head leaves
      const blocks = (await response.text()).split("\n\n").filter((block) => block !== "");
      expect(blocks.at(-1)).toBe("data: [DONE]");
      const payment = blocks.find((block) => block.startsWith(`event: ${STREAM_PAYMENT_EVENT}\n`));
      const data = JSON.parse(payment?.split("\ndata: ")[1] ?? "null") as { payment_response: string } | null;
      if (data === null) throw new Error("no payment event in the stream");
      return decodePaymentResponseHeader(data.payment_response);
    };

    const usages = [
      [12, 4],
      [3, 9],
      [40, 2],
    ] as const;
    usageQueue.push(...usages);
    const first = await streamed(await post(true));
    expect(first).toMatchObject({ success: true, payer: buyer(0).keypair.publicKey.toBase58() });
    expect(first.extra?.chargedAmount).toBe(charged(usages[0]).toString());

    // The client never saw that charge in a header: its next voucher is too low, the gateway's corrective 402
    // carries the channel state, and the client pays on with the right cumulative.
    const plain = await post(false);
    expect(plain.status).toBe(200);
    const settled = decodePaymentResponseHeader(plain.headers.get("payment-response") ?? "");
    expect(settled.extra?.chargedAmount).toBe(charged(usages[1]).toString());
    expect(settled.extra?.channelState).toMatchObject({
      chargedCumulativeAmount: (charged(usages[0]) + charged(usages[1])).toString(),
    });

    const last = await streamed(await post(true));
    expect(last.extra?.chargedAmount).toBe(charged(usages[2]).toString());
    const total = usages.reduce((sum, usage) => sum + charged(usage), 0n);
    expect(last.extra?.channelState).toMatchObject({ chargedCumulativeAmount: total.toString() });

    // The epoch's claim takes what the three calls were charged, and each left a served receipt.
    const checkpoints = await svmCheckpoints.list(CHAIN_ID, MODEL, epoch);
    expect(checkpoints.map((c) => [c.payer, c.totalClaimed])).toEqual([[buyer(0).keypair.publicKey.toBase58(), total]]);
    const receipts = await usageReceipts.listEpoch(MODEL, epoch);
    expect(receipts.every(({ receipt }) => receipt.served)).toBe(true);
    expect(receipts.map(({ receipt }) => receipt.charge).sort()).toEqual(usages.map((usage) => charged(usage)).sort());
  }, 30_000);
});
