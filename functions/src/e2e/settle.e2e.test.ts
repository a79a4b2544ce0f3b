import { escrowAbi, layerZeroMessengerAbi, modelRegistryAbi, slaOracleAbi } from "@slabridge/contracts";
import {
  type EvmChainManifest,
  encodeMessage,
  type Job,
  type JobStore,
  jobIds,
  parseStageConfig,
  pickRefundBps,
  type SlaReport,
} from "@slabridge/core";
import { type Devnet, devnetChainsOf, devnetStablecoinAbi, startDevnet, submitTransaction } from "@slabridge/devnet";
import { buildSubmitReportTx, SlaOracleReader, signSlaReport, walletClientSigner } from "@slabridge/evm";
import { LocalRuntime, QueueConsumer } from "@slabridge/runtime";
import { createStores, MemoryJobStore } from "@slabridge/store";
import type { Address, Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildRelayWorld, type RelayWorld } from "../context/buildRelayWorld.ts";
import { createRelayHandler } from "../relay.ts";
import { createRetryHandler } from "../retry.ts";
import { createWatchEvmHandler } from "../watchEvm.ts";

const EPOCH_SECONDS = 3;
const MODEL = 2n; // the slowP95 demo host: p95 900 ms against a 500 ms SLA
let devnet: Devnet;
let runtime: LocalRuntime;
let stores: ReturnType<typeof createStores>;
let paymentChain: EvmChainManifest;
let home: EvmChainManifest;

function world(jobs?: JobStore): RelayWorld {
  return buildRelayWorld({
    manifest: devnet.manifest,
    config: parseStageConfig({
      stage: "devnet",
      chains: devnetChainsOf(devnet.manifest).evm.map((chain) => ({
        chainId: chain.chainId,
        name: chain.name,
        family: "evm",
        rpcUrl: { url: chain.rpcUrl },
        confirmations: chain.confirmations,
      })),
      routes: [
        { source: 31_337, destination: 31_338, kind: "ReceiptBatch", transport: "layerzero" },
        { source: 31_338, destination: 31_337, kind: "Verdict", transport: "layerzero" },
        { source: 31_338, destination: 31_337, kind: "Payout", transport: "layerzero" },
      ],
      // Two refunds per transaction: three payments take two refund batches.
      batching: { maxPaymentsPerReceiptBatch: 10, maxRefundsPerTransaction: 2 },
      retry: { tiersMs: [50, 100], maxAttempts: 5, jitter: 0 },
      watch: { pollIntervalSeconds: 1 },
    }),
    stores: jobs ? { ...stores, jobs } : stores,
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
  runtime = new LocalRuntime();
  runtime.addQueue("relay-dlq");
  runtime.addQueue("relay", { visibilityTimeout: 60, maxReceiveCount: 5, dlq: "relay-dlq" });
  const [a, b] = devnetChainsOf(devnet.manifest).evm;
  if (!a?.contracts.escrow || b?.chainId !== devnet.manifest.homeChainId) throw new Error("devnet shape");
  paymentChain = a;
  home = b;
}, 60_000);

afterAll(async () => {
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

/** A demo buyer pays `requests` requests of the model on evm-a; returns (epoch, amount). */
async function pay(requests: bigint, buyerIndex: number): Promise<{ epoch: bigint; amount: bigint }> {
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
  return { epoch, amount };
}

function balance(buyerIndex: number): Promise<bigint> {
  return publicClient(paymentChain.chainId).readContract({
    address: paymentChain.stablecoin.address as Address,
    abi: devnetStablecoinAbi,
    functionName: "balanceOf",
    args: [buyer(buyerIndex)],
  });
}

function epochRecord(epoch: bigint) {
  return publicClient(paymentChain.chainId).readContract({
    address: escrowAddress(),
    abi: escrowAbi,
    functionName: "epochRecord",
    args: [MODEL, epoch],
  });
}

/** Moves a chain's clock past `endSeconds` (each anvil has its own clock; both decide "epoch over"). */
async function passTime(chainId: number, endSeconds: bigint): Promise<void> {
  const client = publicClient(chainId);
  const now = (await client.getBlock({ blockTag: "latest" })).timestamp;
  const delta = endSeconds > now ? Number(endSeconds - now) + 1 : 1;
  await client.request({ method: "evm_increaseTime" as never, params: [delta] as never });
  await client.request({ method: "evm_mine" as never });
}

/** Signs the epoch's report with 2 of the 3 manifest probers, submits it to the home SlaOracle, publishes the verdict. */
async function recordAndPublishVerdict(epoch: bigint): Promise<{ refundBps: number; report: SlaReport }> {
  const client = publicClient(home.chainId);
  const clients = devnet.evm.clients(home.chainId);
  const oracle = home.contracts.slaOracle as Address;
  const registry = home.contracts.modelRegistry as Address;
  const terms = await client.readContract({
    address: registry,
    abi: modelRegistryAbi,
    functionName: "slaTermsAt",
    args: [MODEL, epoch],
  });
  // What the probers measured of the slowP95 host: always up, p95 900 ms.
  const measured = { p50Ms: 60, p95Ms: 900, p99Ms: 950, uptimeBps: 10_000, sampleCount: 300 };
  const report: SlaReport = {
    modelId: MODEL,
    epoch,
    ...measured,
    samplesRoot: `0x${"5a".repeat(32)}`,
    refundBps: pickRefundBps(terms, measured),
  };
  const probers = devnet.manifest.keys.probers.slice(0, 2).map((key) => {
    if (key.kind !== "anvil-dev-account") throw new Error(`unexpected prober key kind ${key.kind}`);
    return walletClientSigner(clients.wallet(key.address), key.address);
  });
  const { signatures } = await signSlaReport(report, { chainId: home.chainId, oracle }, probers);
  const [submitter] = await clients.accounts();
  if (!submitter) throw new Error("no dev account");
  const wallet = clients.wallet(submitter);
  const submit = buildSubmitReportTx({ oracle, report, signatures });
  await submitTransaction(client, "submitReport", () => wallet.sendTransaction({ to: oracle, data: submit.data }));
  const verdict = await new SlaOracleReader(client as never, oracle).verdictOf(MODEL, epoch);
  expect(verdict.refundBps).toBe(report.refundBps);

  const messenger = home.contracts.layerZeroMessenger as Address;
  const fee = await client.readContract({
    address: messenger,
    abi: layerZeroMessengerAbi,
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
  await submitTransaction(client, "publishVerdict", () =>
    wallet.writeContract({
      address: oracle,
      abi: slaOracleAbi,
      functionName: "publishVerdict",
      args: [MODEL, epoch, paymentChain.chainId, messenger],
      value: fee,
    }),
  );
  return { refundBps: report.refundBps, report };
}

/** Watch passes and relay-queue drains through the Lambda handlers until nothing is left to do. */
async function drive(w: RelayWorld, rounds = 6): Promise<void> {
  const watch = createWatchEvmHandler(async () => w);
  const relay = createRelayHandler(async () => w, {
    idempotency: { tableName: devnet.dynamo.tableNames.idempotency, client: stores.client },
  });
  const retry = createRetryHandler(async () => w);
  const consumer = new QueueConsumer({ queue: runtime.queue("relay"), handler: relay, batchSize: 10 });
  for (let round = 0; round < rounds; round++) {
    // Local anvils mine only on transactions; real chains keep producing blocks, which confirmations rely on.
    for (const chain of devnetChainsOf(devnet.manifest).evm) {
      await publicClient(chain.chainId).request({ method: "evm_mine" as never });
    }
    await watch();
    // The runtime's SQS event source: AWS-shaped batches, partial failures stay queued, the rest are deleted.
    while ((await consumer.pollOnce()) > 0) {}
    await new Promise((resolve) => setTimeout(resolve, 120)); // let backoffs elapse
    await retry();
  }
}

function settlementJob(kind: "refund" | "settle", epoch: bigint, now: number): Job {
  const ref = { chainId: paymentChain.chainId, modelId: MODEL, epoch };
  return {
    id: kind === "refund" ? jobIds.refund(ref) : jobIds.settle(ref),
    kind,
    status: "observed",
    version: 1,
    // Ingested by hand here (settle jobs, and replays): the source names the payment chain.
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

describe("settlement on the devnet: verdict over LayerZero, refunds in batches, release once", () => {
  it("refunds each buyer its share exactly once and releases the rest once, whatever is replayed", async () => {
    const w = world();
    const payments = [
      { buyer: 0, ...(await pay(3n, 0)) },
      { buyer: 1, ...(await pay(2n, 1)) },
      { buyer: 2, ...(await pay(1n, 2)) },
    ];
    const epoch = payments[0]?.epoch ?? -1n;
    expect(new Set(payments.map((p) => p.epoch))).toEqual(new Set([epoch]));
    const before = await Promise.all([0, 1, 2].map(balance));

    const escrowEnd = await publicClient(paymentChain.chainId).readContract({
      address: escrowAddress(),
      abi: escrowAbi,
      functionName: "epochEnd",
      args: [MODEL, epoch],
    });
    const homeEnd = await publicClient(home.chainId).readContract({
      address: home.contracts.modelRegistry as Address,
      abi: modelRegistryAbi,
      functionName: "epochEnd",
      args: [MODEL, epoch],
    });
    await passTime(paymentChain.chainId, escrowEnd);
    await passTime(home.chainId, homeEnd);

    // A refund job before the verdict waits without spending an attempt (a side store: the real job comes from
    // the watcher below).
    const refundId = jobIds.refund({ chainId: paymentChain.chainId, modelId: MODEL, epoch });
    const settleId = jobIds.settle({ chainId: paymentChain.chainId, modelId: MODEL, epoch });
    const early = world(new MemoryJobStore({ clock: { now: () => Date.now() } }));
    await early.engine.ingest(settlementJob("refund", epoch, Date.now()));
    const parked = await early.engine.process(refundId);
    expect(parked.result).toBe("waiting");
    expect(parked.result !== "unknown-job" && parked.job.attempts).toBe(0);

    const { refundBps } = await recordAndPublishVerdict(epoch);
    expect(refundBps).toBe(2_500); // latency breach per the demo terms

    // watchEvm on evm-b turns the verdict packet into a deliver-message job, the relay delivers it over LayerZero to
    // evm-a's escrow; watchEvm on evm-a sees VerdictApplied and creates the refund job and the settle job, which the
    // relay drains (the settle job waits for the refunds, releases, then publishes the payouts).
    await drive(w, 4);
    const applied = await epochRecord(epoch);
    expect(applied.refundBps).toBe(2_500);
    const verdictLogs = await publicClient(paymentChain.chainId).getContractEvents({
      address: escrowAddress(),
      abi: escrowAbi,
      eventName: "VerdictApplied",
      args: { modelId: MODEL, epoch },
      fromBlock: 0n,
    });
    expect(verdictLogs).toHaveLength(1);
    for (const id of [refundId, settleId]) {
      expect((await stores.jobs.get(id))?.source.transaction).toBe(verdictLogs[0]?.transactionHash);
    }
    await waitForConfirmed(w, refundId);

    // The same verdict observed again creates neither job twice; the settle job releases the rest once.
    expect(await w.engine.ingest(settlementJob("settle", epoch, w.clock.now()))).toBe("exists");
    await drive(w, 2);
    await waitForConfirmed(w, settleId);

    const after = await Promise.all([0, 1, 2].map(balance));
    for (const p of payments) {
      const share = (p.amount * BigInt(refundBps)) / 10_000n;
      expect(after[p.buyer]).toBe((before[p.buyer] ?? 0n) + share);
    }
    const settled = await epochRecord(epoch);
    expect(settled.refundCursor).toBe(settled.count);
    expect(settled.count).toBe(3);
    expect(settled.refunded).toBe(payments.reduce((sum, p) => sum + (p.amount * 2_500n) / 10_000n, 0n));
    expect(settled.status).toBe(2); // released
    // Three payments, at most two refunds per transaction: two refund transactions, one release.
    const events = async (eventName: "Refunded" | "Released") =>
      publicClient(paymentChain.chainId).getContractEvents({
        address: escrowAddress(),
        abi: escrowAbi,
        eventName,
        args: { modelId: MODEL, epoch },
        fromBlock: 0n,
      });
    const refunds = await events("Refunded");
    expect(refunds).toHaveLength(3);
    expect(new Set(refunds.map((log) => log.transactionHash)).size).toBe(2);
    expect(await events("Released")).toHaveLength(1);

    // Replays: the same jobs re-queued, and the same work ingested into an empty store, change no balance.
    for (const id of [refundId, settleId]) runtime.queue("relay").send(JSON.stringify({ jobId: id }));
    await drive(w, 1);
    const amnesiac = world(new MemoryJobStore({ clock: w.clock }));
    for (const kind of ["refund", "settle"] as const) {
      await amnesiac.engine.ingest(settlementJob(kind, epoch, w.clock.now()));
      const outcome = await amnesiac.engine.process(kind === "refund" ? refundId : settleId);
      expect(outcome.result).toBe("confirmed");
      const job = outcome.result === "unknown-job" ? undefined : outcome.job;
      expect(job?.status === "confirmed" && job.alreadyDone).toBe(true); // asked the escrow, sent nothing
    }
    expect(await Promise.all([0, 1, 2].map(balance))).toEqual(after);
    expect(await epochRecord(epoch)).toEqual(settled);
    expect(await events("Refunded")).toHaveLength(3);
    expect(await events("Released")).toHaveLength(1);
    expect(await stores.jobs.listByStatus("dead-lettered", { limit: 100 })).toEqual([]);
  }, 180_000);
});

async function waitForConfirmed(w: RelayWorld, jobId: string): Promise<void> {
  const job = await w.stores.jobs.get(jobId);
  expect(job?.status, `${jobId}: ${job && "reason" in job ? job.reason : ""}`).toBe("confirmed");
}
