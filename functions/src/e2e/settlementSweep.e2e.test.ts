import { escrowAbi, layerZeroMessengerAbi, modelRegistryAbi, slaOracleAbi } from "@slabridge/contracts";
import {
  type Clock,
  type EvmChainManifest,
  encodeMessage,
  jobIds,
  parseStageConfig,
  pickRefundBps,
  type SlaReport,
} from "@slabridge/core";
import { type Devnet, devnetChainsOf, devnetStablecoinAbi, startDevnet, submitTransaction } from "@slabridge/devnet";
import { buildSubmitReportTx, SlaOracleReader, signSlaReport, walletClientSigner } from "@slabridge/evm";
import { LocalRuntime, QueueConsumer } from "@slabridge/runtime";
import { createStores, MemoryCursorStore, MemoryJobStore } from "@slabridge/store";
import type { Address, Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildRelayWorld, type RelayStores, type RelayWorld } from "../context/buildRelayWorld.ts";
import { createRefundSweepHandler } from "../refund.ts";
import { createRelayHandler } from "../relay.ts";
import { createRetryHandler } from "../retry.ts";
import { createSettleSweepHandler } from "../settle.ts";

// The settlement sweeps as a safety net: the escrow applied a verdict, but the watcher that should have turned it
// into refund and settle jobs lost its writes (a crash between reading the log and storing the jobs, a lost table).
// The refund and settle schedules find the epoch from the chain state alone, create the jobs and the relay settles.

const EPOCH_SECONDS = 3;
const MODEL = 2n; // the slowP95 demo host: p95 900 ms against a 500 ms SLA
let devnet: Devnet;
let runtime: LocalRuntime;
let stores: ReturnType<typeof createStores>;
let paymentChain: EvmChainManifest;
let home: EvmChainManifest;

function world(overrides: { stores?: Partial<RelayStores>; clock?: Clock } = {}): RelayWorld {
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
      batching: { maxPaymentsPerReceiptBatch: 10, maxRefundsPerTransaction: 2 },
      retry: { tiersMs: [50, 100], maxAttempts: 5, jitter: 0 },
      watch: { pollIntervalSeconds: 1 },
    }),
    stores: { ...stores, ...overrides.stores },
    rpcUrls: new Map(devnetChainsOf(devnet.manifest).evm.map((chain) => [chain.chainId, chain.rpcUrl])),
    enqueue: async (jobId) => {
      runtime.queue("relay").send(JSON.stringify({ jobId }));
    },
    ...(overrides.clock ? { clock: overrides.clock } : {}),
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

/** Drains the relay queue through the relay handler (and the retry schedule) until nothing is left. */
async function drain(w: RelayWorld, rounds = 4): Promise<void> {
  const relay = createRelayHandler(async () => w, {
    idempotency: { tableName: devnet.dynamo.tableNames.idempotency, client: stores.client },
  });
  const retry = createRetryHandler(async () => w);
  const consumer = new QueueConsumer({ queue: runtime.queue("relay"), handler: relay, batchSize: 10 });
  for (let round = 0; round < rounds; round++) {
    while ((await consumer.pollOnce()) > 0) {}
    await new Promise((resolve) => setTimeout(resolve, 120));
    await retry();
  }
}

describe("settlement sweeps on the devnet", () => {
  it("settle an epoch whose refund and settle jobs the watcher lost, once, and then find nothing to do", async () => {
    const payments = [
      { buyer: 0, ...(await pay(3n, 0)) },
      { buyer: 1, ...(await pay(2n, 1)) },
      { buyer: 2, ...(await pay(1n, 2)) },
    ];
    const epoch = payments[0]?.epoch ?? -1n;
    expect(new Set(payments.map((p) => p.epoch))).toEqual(new Set([epoch]));
    const before = await Promise.all([0, 1, 2].map(balance));
    const epochEnd = (chain: EvmChainManifest, address: Address, abi: typeof escrowAbi | typeof modelRegistryAbi) =>
      publicClient(chain.chainId).readContract({ address, abi, functionName: "epochEnd", args: [MODEL, epoch] });
    await passTime(paymentChain.chainId, await epochEnd(paymentChain, escrowAddress(), escrowAbi));
    await passTime(home.chainId, await epochEnd(home, home.contracts.modelRegistry as Address, modelRegistryAbi));
    const { refundBps } = await recordAndPublishVerdict(epoch);
    expect(refundBps).toBe(2_500);

    // A watcher whose job and cursor writes are lost: it sees the verdict packet on the home chain and delivers it to
    // the payment chain's escrow, but none of its jobs reach the real store, and nobody watches the escrow.
    const lost = world({ stores: { jobs: new MemoryJobStore(), cursors: new MemoryCursorStore() } });
    for (let round = 0; round < 6 && (await epochRecord(epoch)).status === 0; round++) {
      for (const chain of devnetChainsOf(devnet.manifest).evm) {
        await publicClient(chain.chainId).request({ method: "evm_mine" as never });
      }
      await lost.chains.get(home.chainId)?.watch();
      for (const status of ["observed", "finalized", "submitted", "failed"] as const) {
        for (const job of await lost.stores.jobs.listByStatus(status)) await lost.engine.process(job.id);
      }
      await new Promise((resolve) => setTimeout(resolve, 120));
    }
    expect((await epochRecord(epoch)).refundBps).toBe(2_500);
    runtime.queue("relay").purge(); // the lost watcher's queue messages name jobs no store has
    const refundId = jobIds.refund({ chainId: paymentChain.chainId, modelId: MODEL, epoch });
    const settleId = jobIds.settle({ chainId: paymentChain.chainId, modelId: MODEL, epoch });
    expect(await stores.jobs.get(refundId)).toBeUndefined();
    expect(await stores.jobs.get(settleId)).toBeUndefined();

    // The sweeps run on the chain's clock (ahead of the wall clock here: the test moved it past the epoch's end).
    const chainNow = Number((await publicClient(paymentChain.chainId).getBlock()).timestamp) * 1_000;
    const w = world({ clock: { now: () => chainNow + 1_000 } });
    const refundSweep = createRefundSweepHandler(async () => w);
    const settleSweep = createSettleSweepHandler(async () => w);

    const refunds = await refundSweep();
    expect(refunds.failures).toEqual([]);
    expect(refunds.jobs).toEqual([
      { chainId: paymentChain.chainId, modelId: `${MODEL}`, epoch: `${epoch}`, jobId: refundId, action: "created" },
    ]);
    // Run again before the relay got to it: the same job, queued again, not created twice.
    expect((await refundSweep()).jobs.map((j) => j.action)).toEqual(["queued"]);
    await drain(w);
    expect((await stores.jobs.get(refundId))?.status).toBe("confirmed");
    const refunded = await epochRecord(epoch);
    expect(refunded.refundCursor).toBe(refunded.count);
    expect(refunded.status).not.toBe(2); // refunds done, not released yet
    expect((await refundSweep()).jobs).toEqual([]);

    const settles = await settleSweep();
    expect(settles.jobs).toEqual([
      { chainId: paymentChain.chainId, modelId: `${MODEL}`, epoch: `${epoch}`, jobId: settleId, action: "created" },
    ]);
    await drain(w);
    expect((await stores.jobs.get(settleId))?.status).toBe("confirmed");
    expect((await epochRecord(epoch)).status).toBe(2); // released
    expect((await settleSweep()).jobs).toEqual([]);
    expect((await refundSweep()).jobs).toEqual([]);

    const after = await Promise.all([0, 1, 2].map(balance));
    for (const p of payments) {
      expect(after[p.buyer]).toBe((before[p.buyer] ?? 0n) + (p.amount * BigInt(refundBps)) / 10_000n);
    }
    const refundedLogs = await publicClient(paymentChain.chainId).getContractEvents({
      address: escrowAddress(),
      abi: escrowAbi,
      eventName: "Refunded",
      args: { modelId: MODEL, epoch },
      fromBlock: 0n,
    });
    expect(refundedLogs).toHaveLength(3);
    expect(await stores.jobs.listByStatus("dead-lettered", { limit: 100 })).toEqual([]);
  }, 180_000);
});
