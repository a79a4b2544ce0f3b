import {
  escrowAbi,
  layerZeroMessengerAbi,
  modelRegistryAbi,
  slaOracleAbi,
  wormholeMessengerAbi,
} from "@slabridge/contracts";
import {
  type EvmChainManifest,
  encodeMessage,
  type Job,
  jobIds,
  parseStageConfig,
  pickRefundBps,
  type SlaReport,
  type StageConfig,
} from "@slabridge/core";
import { type Devnet, devnetChainsOf, devnetStablecoinAbi, startDevnet, submitTransaction } from "@slabridge/devnet";
import { buildSubmitReportTx, SlaOracleReader, signSlaReport, walletClientSigner } from "@slabridge/evm";
import { LocalRuntime, QueueConsumer } from "@slabridge/runtime";
import type { SolanaSettlementReader } from "@slabridge/solana";
import { createStores } from "@slabridge/store";
import { type Address, getAddress, type Hex, parseEventLogs } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildRelayWorld, type RelayWorld } from "../context/buildRelayWorld.ts";
import { buildStatusWorld } from "../context/status/buildStatusWorld.ts";
import { type LocalStatusServer, startLocalStatusServer } from "../local/startLocalStatusServer.ts";
import { createRelayHandler } from "../relay.ts";
import { createRetryHandler } from "../retry.ts";
import { createWatchEvmHandler } from "../watchEvm.ts";

// The status API on the devnet: a paid epoch of the slowP95 model gets a 2-of-3 verdict, the relay delivers it over
// LayerZero, refunds and releases it; then GET /models/2/epochs/<epoch> over the local function URL shows the evidence.

const EPOCH_SECONDS = 3;
const MODEL = 2n; // the slowP95 demo host: p95 900 ms against a 500 ms SLA
let devnet: Devnet;
let runtime: LocalRuntime;
let stores: ReturnType<typeof createStores>;
let paymentChain: EvmChainManifest;
let home: EvmChainManifest;
let config: StageConfig;
let status: LocalStatusServer;
const solanaReads: { modelId: bigint; epoch: bigint; refundBps: number | undefined }[] = [];

function world(): RelayWorld {
  return buildRelayWorld({
    manifest: devnet.manifest,
    config,
    stores,
    rpcUrls: new Map(devnetChainsOf(devnet.manifest).evm.map((chain) => [chain.chainId, chain.rpcUrl])),
    enqueue: async (jobId) => {
      runtime.queue("relay").send(JSON.stringify({ jobId }));
    },
  });
}

beforeAll(async () => {
  devnet = await startDevnet({ epochSeconds: EPOCH_SECONDS, hosts: ["healthy", "slowP95"] });
  stores = createStores({
    endpoint: devnet.manifest.dynamo.endpoint ?? "",
    region: "us-east-1",
    tableNames: {
      jobs: devnet.dynamo.tableNames.jobs,
      cursors: devnet.dynamo.tableNames.cursors,
      payments: devnet.dynamo.tableNames.payments,
      nonces: devnet.dynamo.tableNames.nonces,
    },
  });
  config = parseStageConfig({
    stage: "devnet",
    chains: devnetChainsOf(devnet.manifest).evm.map((chain) => ({
      chainId: chain.chainId,
      name: chain.name,
      family: "evm",
      rpcUrl: { url: chain.rpcUrl },
      confirmations: chain.confirmations,
      // Small chunks, so the status API's log scans cross chunk borders.
      maxBlockRange: 7,
    })),
    routes: [
      { source: 31_337, destination: 31_338, kind: "ReceiptBatch", transport: "layerzero" },
      { source: 31_338, destination: 31_337, kind: "Verdict", transport: "layerzero" },
    ],
    batching: { maxPaymentsPerReceiptBatch: 10, maxRefundsPerTransaction: 2 },
    retry: { tiersMs: [50, 100], maxAttempts: 5, jitter: 0 },
    watch: { pollIntervalSeconds: 1 },
  });
  runtime = new LocalRuntime();
  runtime.addQueue("relay-dlq");
  runtime.addQueue("relay", { visibilityTimeout: 60, maxReceiveCount: 5, dlq: "relay-dlq" });
  const [a, b] = devnetChainsOf(devnet.manifest).evm;
  if (!a?.contracts.escrow || b?.chainId !== devnet.manifest.homeChainId) throw new Error("devnet shape");
  paymentChain = a;
  home = b;
  // A stand-in for the Solana settlement code's reader: records that the API asks it, finds nothing.
  const solanaSettlement: SolanaSettlementReader = {
    read: async ({ modelId, epoch, refundBps }) => {
      solanaReads.push({ modelId, epoch, refundBps });
      return { refunds: [], payouts: [] };
    },
  };
  status = await startLocalStatusServer({
    world: buildStatusWorld({
      manifest: devnet.manifest,
      config,
      stores: { jobs: stores.jobs, payments: stores.payments },
      rpcUrls: new Map(devnetChainsOf(devnet.manifest).evm.map((chain) => [chain.chainId, chain.rpcUrl])),
      solanaSettlement,
    }),
  });
}, 60_000);

afterAll(async () => {
  await status?.stop();
  await runtime?.stop();
  stores?.destroy();
  await devnet?.stop();
});

const escrowAddress = () => paymentChain.contracts.escrow as Address;
const publicClient = (chainId: number) => devnet.evm.clients(chainId).publicClient;

function buyer(index: number): Address {
  const ref = devnet.manifest.keys.demoBuyers[index];
  if (ref?.kind !== "anvil-dev-account") throw new Error(`no demo buyer ${index}`);
  return ref.address;
}

async function pay(requests: bigint, buyerIndex: number): Promise<{ epoch: bigint; amount: bigint; buyer: Address }> {
  const client = publicClient(paymentChain.chainId);
  const wallet = devnet.evm.clients(paymentChain.chainId).wallet(buyer(buyerIndex));
  const amount = 10_000n * requests;
  await submitTransaction(client, "approve", () =>
    wallet.writeContract({
      address: paymentChain.stablecoin.address as Address,
      abi: devnetStablecoinAbi,
      functionName: "approve",
      args: [escrowAddress(), amount],
    }),
  );
  const epoch = await client.readContract({
    address: escrowAddress(),
    abi: escrowAbi,
    functionName: "currentEpoch",
    args: [MODEL],
  });
  await submitTransaction(client, "pay", () =>
    wallet.writeContract({ address: escrowAddress(), abi: escrowAbi, functionName: "pay", args: [MODEL, amount] }),
  );
  return { epoch, amount, buyer: buyer(buyerIndex) };
}

async function passTime(chainId: number, endSeconds: bigint): Promise<void> {
  const client = publicClient(chainId);
  const now = (await client.getBlock({ blockTag: "latest" })).timestamp;
  const delta = endSeconds > now ? Number(endSeconds - now) + 1 : 1;
  await client.request({ method: "evm_increaseTime" as never, params: [delta] as never });
  await client.request({ method: "evm_mine" as never });
}

const measured = { p50Ms: 60, p95Ms: 900, p99Ms: 950, uptimeBps: 10_000, sampleCount: 300 };
const samplesRoot: Hex = `0x${"5a".repeat(32)}`;

/** Signs the report with probers 1 and 2, submits it, publishes the verdict to evm-a over `transport`. */
async function recordAndPublishVerdict(
  epoch: bigint,
  options: { model?: bigint; figures?: typeof measured; transport?: "layerzero" | "wormhole" } = {},
) {
  const MODEL = options.model ?? 2n;
  const figures = options.figures ?? measured;
  const client = publicClient(home.chainId);
  const clients = devnet.evm.clients(home.chainId);
  const oracle = home.contracts.slaOracle as Address;
  const terms = await client.readContract({
    address: home.contracts.modelRegistry as Address,
    abi: modelRegistryAbi,
    functionName: "slaTermsAt",
    args: [MODEL, epoch],
  });
  const report: SlaReport = {
    modelId: MODEL,
    epoch,
    ...figures,
    samplesRoot,
    refundBps: pickRefundBps(terms, figures),
  };
  const proberAddresses = devnet.manifest.keys.probers.slice(0, 2).map((key) => {
    if (key.kind !== "anvil-dev-account") throw new Error(`unexpected prober key kind ${key.kind}`);
    return key.address;
  });
  const probers = proberAddresses.map((address) => walletClientSigner(clients.wallet(address), address));
  const { signatures } = await signSlaReport(report, { chainId: home.chainId, oracle }, probers);
  const [submitter] = await clients.accounts();
  if (!submitter) throw new Error("no dev account");
  const wallet = clients.wallet(submitter);
  const submit = buildSubmitReportTx({ oracle, report, signatures });
  const submitted = await submitTransaction(client, "submitReport", () =>
    wallet.sendTransaction({ to: oracle, data: submit.data }),
  );
  const verdict = await new SlaOracleReader(client as never, oracle).verdictOf(MODEL, epoch);
  const messenger = (
    options.transport === "wormhole" ? home.contracts.wormholeMessenger : home.contracts.layerZeroMessenger
  ) as Address;
  const fee = await client.readContract({
    address: messenger,
    // Both messengers quote with the same signature.
    abi:
      options.transport === "wormhole"
        ? (wormholeMessengerAbi as unknown as typeof layerZeroMessengerAbi)
        : layerZeroMessengerAbi,
    functionName: "quote",
    args: [
      paymentChain.chainId,
      encodeMessage({
        kind: "Verdict",
        modelId: MODEL,
        epoch,
        refundBps: report.refundBps,
        reportHash: verdict.reportHash as Hex,
      }),
    ],
  });
  const published = await submitTransaction(client, "publishVerdict", () =>
    wallet.writeContract({
      address: oracle,
      abi: slaOracleAbi,
      functionName: "publishVerdict",
      args: [MODEL, epoch, paymentChain.chainId, messenger],
      value: fee,
    }),
  );
  const [event] = parseEventLogs({ abi: slaOracleAbi, eventName: "VerdictPublished", logs: published.logs });
  if (!event) throw new Error("no VerdictPublished");
  return {
    report,
    reportHash: verdict.reportHash as Hex,
    submitTransaction: submitted.transactionHash,
    publishTransaction: published.transactionHash,
    guid: event.args.messageId,
    proberAddresses,
  };
}

/** Publishes the host's payout (its payee entry names evm-a) of a released epoch over LayerZero. */
async function publishHostPayout(epoch: bigint) {
  const client = publicClient(home.chainId);
  const clients = devnet.evm.clients(home.chainId);
  const registry = home.contracts.modelRegistry as Address;
  const payees = await client.readContract({
    address: registry,
    abi: modelRegistryAbi,
    functionName: "payees",
    args: [MODEL, epoch],
  });
  const payoutIndex = payees.findIndex((entry) => entry.role === 3 && entry.chain === paymentChain.chainId);
  const entry = payees[payoutIndex];
  if (!entry) throw new Error("the demo model has no host payee on evm-a");
  const messenger = home.contracts.layerZeroMessenger as Address;
  const fee = await client.readContract({
    address: messenger,
    abi: layerZeroMessengerAbi,
    functionName: "quote",
    args: [
      paymentChain.chainId,
      encodeMessage({
        kind: "Payout",
        modelId: MODEL,
        epoch,
        payoutIndex,
        payee: entry.account,
        shareBps: entry.shareBps,
      }),
    ],
  });
  const [sender] = await clients.accounts();
  if (!sender) throw new Error("no dev account");
  const receipt = await submitTransaction(client, "publishPayout", () =>
    clients.wallet(sender).writeContract({
      address: registry,
      abi: modelRegistryAbi,
      functionName: "publishPayout",
      args: [MODEL, epoch, paymentChain.chainId, payoutIndex, messenger],
      value: fee,
    }),
  );
  const [event] = parseEventLogs({ abi: modelRegistryAbi, eventName: "PayoutPublished", logs: receipt.logs });
  if (!event) throw new Error("no PayoutPublished");
  return {
    guid: event.args.messageId,
    payoutIndex,
    payee: entry.account,
    shareBps: entry.shareBps,
    hostAddress: getAddress(`0x${entry.account.slice(-40)}`),
  };
}

async function drive(w: RelayWorld, rounds: number): Promise<void> {
  const watch = createWatchEvmHandler(async () => w);
  const relay = createRelayHandler(async () => w, {
    idempotency: { tableName: devnet.dynamo.tableNames.idempotency, client: stores.client },
  });
  const retry = createRetryHandler(async () => w);
  const consumer = new QueueConsumer({ queue: runtime.queue("relay"), handler: relay, batchSize: 10 });
  for (let round = 0; round < rounds; round++) {
    for (const chain of devnetChainsOf(devnet.manifest).evm)
      await publicClient(chain.chainId).request({ method: "evm_mine" as never });
    await watch();
    while ((await consumer.pollOnce()) > 0) {}
    await new Promise((resolve) => setTimeout(resolve, 120));
    await retry();
  }
}

function settleJob(epoch: bigint, now: number): Job {
  return {
    id: jobIds.settle({ chainId: paymentChain.chainId, modelId: MODEL, epoch }),
    kind: "settle",
    status: "observed",
    version: 1,
    source: { chainId: paymentChain.chainId, transaction: "0x", block: 0n, blockHash: "0x", index: 0 },
    destinationChainId: paymentChain.chainId,
    transport: "layerzero",
    payload: "0x",
    epochRef: { modelId: MODEL, epoch },
    attempts: 0,
    createdAt: now,
    updatedAt: now,
  };
}

async function get(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${status.url}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("status API on the devnet", () => {
  it("shows a settled epoch's verdict, its evidence, deliveries, refunds, release and jobs", async () => {
    const w = world();
    const payments = [await pay(3n, 0), await pay(1n, 1)];
    const epoch = payments[0]?.epoch ?? -1n;
    expect(payments[1]?.epoch).toBe(epoch);

    // Before the verdict: the epoch exists, has no verdict, and the escrow holds the payments.
    const early = await get(`/models/${MODEL}/epochs/${epoch}`);
    expect(early.status).toBe(200);
    expect(early.body).toMatchObject({ modelId: String(MODEL), epoch: String(epoch), verdict: null, deliveries: [] });
    const future = await get(`/models/${MODEL}/epochs/${epoch + 100n}`);
    expect(future.status).toBe(404);
    expect(future.body).toMatchObject({ error: { name: "StatusNotFoundError", kind: "epoch" } });

    const read = (chainId: number, address: Address, abi: typeof escrowAbi | typeof modelRegistryAbi) =>
      publicClient(chainId).readContract({
        address,
        abi,
        functionName: "epochEnd",
        args: [MODEL, epoch],
      }) as Promise<bigint>;
    await passTime(paymentChain.chainId, await read(paymentChain.chainId, escrowAddress(), escrowAbi));
    await passTime(home.chainId, await read(home.chainId, home.contracts.modelRegistry as Address, modelRegistryAbi));

    const published = await recordAndPublishVerdict(epoch);
    expect(published.report.refundBps).toBe(2_500);
    await drive(w, 4);
    // The watcher created the settle job from VerdictApplied already; a hand-made one is the same job.
    expect(await w.engine.ingest(settleJob(epoch, w.clock.now()))).toBe("exists");
    await drive(w, 2);

    const { status: code, body } = await get(`/models/${MODEL}/epochs/${epoch}`);
    expect(code).toBe(200);
    const refunds = payments.map((p) => (p.amount * 2_500n) / 10_000n);
    const paid = payments.reduce((sum, p) => sum + p.amount, 0n);
    const refunded = refunds.reduce((sum, r) => sum + r, 0n);

    // The verdict and its evidence.
    expect(body.ended).toBe(true);
    expect(body.sla).toMatchObject({ maxP95LatencyMs: 500 });
    expect(body.verdict).toMatchObject({
      refundBps: 2_500,
      reportHash: published.reportHash,
      samplesRoot,
      report: measured,
      transaction: { chainId: home.chainId, hash: published.submitTransaction },
    });
    const signatures = (body.verdict as { signatures: { signer: string }[] }).signatures;
    expect(signatures.map((s) => s.signer.toLowerCase())).toEqual(
      [...published.proberAddresses].map((a) => a.toLowerCase()).sort(),
    );

    // The verdict's delivery over LayerZero, from the job store.
    expect(body.deliveries).toEqual([
      expect.objectContaining({
        message: "Verdict",
        destinationChainId: paymentChain.chainId,
        transport: "layerzero",
        messageId: published.guid,
        sourceChainId: home.chainId,
        sourceTransaction: published.publishTransaction,
        jobId: jobIds.layerZeroMessage(published.guid),
        status: "confirmed",
        destinationTransaction: expect.stringMatching(/^0x[0-9a-f]{64}$/),
      }),
    ]);
    const deliveryJob = await stores.jobs.get(jobIds.layerZeroMessage(published.guid));
    expect((body.deliveries as { destinationTransaction: string }[])[0]?.destinationTransaction).toBe(
      deliveryJob?.status === "confirmed" ? deliveryJob.destinationTransaction : "no confirmed delivery job",
    );

    // Refunds and the release on evm-a, from the escrow's record and logs.
    const settlement = body.settlement as Record<string, unknown>[];
    const evm = settlement.find((entry) => entry.chainId === paymentChain.chainId);
    expect(evm).toMatchObject({
      family: "evm",
      listed: true,
      status: "released",
      paid: String(paid),
      payments: 2,
      refundCursor: 2,
      refundBps: 2_500,
      refunded: String(refunded),
      release: { amount: String(paid - refunded) },
      verdictApplied: { transaction: expect.stringMatching(/^0x[0-9a-f]{64}$/) },
    });
    expect(evm?.refunds).toEqual(
      payments.map((p, index) =>
        expect.objectContaining({ paymentIndex: String(index), buyer: p.buyer, amount: String(refunds[index]) }),
      ),
    );
    // Solana: the payments the store knows (none here) and the reader's findings.
    expect(settlement.find((entry) => entry.family === "solana")).toMatchObject({
      payments: [],
      paid: "0",
      reader: "wired",
      refunds: [],
      payouts: [],
    });
    expect(solanaReads.at(-1)).toEqual({ modelId: MODEL, epoch, refundBps: 2_500 });

    // The epoch's jobs: receipts, the refund, the settle and the delivery, all confirmed.
    const jobs = body.jobs as { id: string; status: string }[];
    const ref = { chainId: paymentChain.chainId, modelId: MODEL, epoch };
    expect(Object.fromEntries(jobs.map((j) => [j.id, j.status]))).toMatchObject({
      [jobIds.refund(ref)]: "confirmed",
      [jobIds.settle(ref)]: "confirmed",
      [jobIds.layerZeroMessage(published.guid)]: "confirmed",
    });

    // The host's payout (its entry pays on evm-a): published on the home chain, delivered, paid by the escrow.
    const payout = await publishHostPayout(epoch);
    await drive(w, 6); // watch, verify, commit, lzReceive: a few passes, more when the machine is loaded
    const after = await get(`/models/${MODEL}/epochs/${epoch}`);
    expect(after.body.deliveries).toContainEqual(
      expect.objectContaining({
        message: "Payout",
        transport: "layerzero",
        messageId: payout.guid,
        payout: { payoutIndex: payout.payoutIndex, payee: payout.payee, shareBps: payout.shareBps },
        status: "confirmed",
        destinationTransaction: expect.stringMatching(/^0x[0-9a-f]{64}$/),
      }),
    );
    const paidOut = (after.body.settlement as Record<string, unknown>[]).find(
      (e) => e.chainId === paymentChain.chainId,
    );
    expect(paidOut).toMatchObject({
      paidOut: String(((paid - refunded) * BigInt(payout.shareBps)) / 10_000n),
      paidOutBps: payout.shareBps,
      payouts: [
        {
          payoutIndex: payout.payoutIndex,
          payee: payout.hostAddress,
          shareBps: payout.shareBps,
          amount: String(((paid - refunded) * BigInt(payout.shareBps)) / 10_000n),
        },
      ],
    });

    // The model list and the job lists.
    const models = await get("/models");
    expect(models.status).toBe(200);
    const model = (models.body.models as Record<string, unknown>[]).find((m) => m.modelId === String(MODEL));
    expect(model).toMatchObject({
      homeChainId: home.chainId,
      host: { endpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+/) },
      sla: { maxP95LatencyMs: 500 },
    });
    expect(BigInt(String(model?.currentEpoch))).toBeGreaterThan(epoch);
    const dead = await get("/jobs?status=dead-lettered");
    expect(dead.body.jobs).toEqual([]);
    // No RPC URL anywhere in what the API says.
    const everything = JSON.stringify([body, models.body, (await get("/health")).body]);
    for (const chain of devnetChainsOf(devnet.manifest).evm) expect(everything).not.toContain(chain.rpcUrl);
  }, 180_000);

  it("names a verdict delivered over Wormhole by its VAA id and the delivery job's destination transaction", async () => {
    const model = 1n; // the healthy host: no refund
    const w = world();
    const epoch = await publicClient(home.chainId).readContract({
      address: home.contracts.modelRegistry as Address,
      abi: modelRegistryAbi,
      functionName: "currentEpoch",
      args: [model],
    });
    for (const [chainId, address, abi] of [
      [paymentChain.chainId, escrowAddress(), escrowAbi],
      [home.chainId, home.contracts.modelRegistry as Address, modelRegistryAbi],
    ] as const) {
      const end = (await publicClient(chainId).readContract({
        address,
        abi,
        functionName: "epochEnd",
        args: [model, epoch],
      })) as bigint;
      await passTime(chainId, end);
    }
    const healthy = { p50Ms: 40, p95Ms: 100, p99Ms: 150, uptimeBps: 10_000, sampleCount: 120 };
    const published = await recordAndPublishVerdict(epoch, { model, figures: healthy, transport: "wormhole" });
    expect(published.report.refundBps).toBe(0);
    await drive(w, 4);

    const { status: code, body } = await get(`/models/${model}/epochs/${epoch}`);
    expect(code).toBe(200);
    expect(body.verdict).toMatchObject({
      refundBps: 0,
      report: healthy,
      transaction: { hash: published.submitTransaction },
    });
    const deliveries = body.deliveries as { messageId: string; jobId: string; destinationTransaction?: string }[];
    expect(deliveries).toHaveLength(1);
    const [delivery] = deliveries;
    const emitter = (home.contracts.wormholeMessenger as string).slice(2).toLowerCase().padStart(64, "0");
    expect(delivery).toMatchObject({
      message: "Verdict",
      transport: "wormhole",
      sourceTransaction: published.publishTransaction,
      status: "confirmed",
    });
    expect(delivery?.messageId).toMatch(new RegExp(`^${home.wormhole.chainId}/${emitter}/\\d+$`));
    expect(delivery?.jobId).toBe(`deliver-message:wh:${delivery?.messageId}`);
    const job = await stores.jobs.get(delivery?.jobId ?? "");
    expect(job?.status).toBe("confirmed");
    expect(delivery?.destinationTransaction).toBe(job?.status === "confirmed" ? job.destinationTransaction : "none");
    const evm = (body.settlement as Record<string, unknown>[]).find((entry) => entry.chainId === paymentChain.chainId);
    // No payments and no refunds: the settle job the watcher made from VerdictApplied released the empty epoch.
    expect(evm).toMatchObject({ status: "released", refundBps: 0, payments: 0, refunds: [] });
    expect((evm?.release as { amount?: string } | null)?.amount).toBe("0");
  }, 180_000);
});
