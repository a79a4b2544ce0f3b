import {
  escrowAbi,
  layerZeroMessengerAbi,
  modelRegistryAbi,
  revenueLedgerAbi,
  slaOracleAbi,
} from "@slabridge/contracts";
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
import { type Address, getAddress, type Hex, slice } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildRelayWorld, type RelayWorld } from "../context/buildRelayWorld.ts";
import { createRelayHandler } from "../relay.ts";
import { createRetryHandler } from "../retry.ts";
import { createWatchEvmHandler } from "../watchEvm.ts";

const EPOCH_SECONDS = 3;
const HEALTHY = 1n;
const BREACHING = 2n; // the slowP95 demo host: p95 900 ms against a 500 ms SLA
const A = 31_337;
const B = 31_338;
let devnet: Devnet;
let runtime: LocalRuntime;
let stores: ReturnType<typeof createStores>;
let home: EvmChainManifest;

function world(jobs: JobStore = stores.jobs): RelayWorld {
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
      // As config/devnet.json: evm-a over LayerZero, the home chain's own escrow over Wormhole self-delivery.
      routes: [
        { source: A, destination: B, kind: "ReceiptBatch", transport: "layerzero" },
        { source: B, destination: A, kind: "Verdict", transport: "layerzero" },
        { source: B, destination: A, kind: "Payout", transport: "layerzero" },
        { source: B, destination: B, kind: "ReceiptBatch", transport: "wormhole" },
        { source: B, destination: B, kind: "Verdict", transport: "wormhole" },
        { source: B, destination: B, kind: "Payout", transport: "wormhole" },
      ],
      batching: { maxPaymentsPerReceiptBatch: 10, maxRefundsPerTransaction: 2 },
      retry: { tiersMs: [50, 100], maxAttempts: 8, jitter: 0 },
      watch: { pollIntervalSeconds: 1 },
    }),
    stores: { ...stores, jobs },
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
  runtime.addQueue("relay", { visibilityTimeout: 60, maxReceiveCount: 8, dlq: "relay-dlq" });
  const found = devnetChainsOf(devnet.manifest).evm.find((chain) => chain.chainId === devnet.manifest.homeChainId);
  if (!found?.contracts.escrow || !devnetChainsOf(devnet.manifest).evm.every((chain) => chain.contracts.escrow)) {
    throw new Error("devnet shape: an escrow on every EVM chain");
  }
  home = found;
}, 60_000);

afterAll(async () => {
  await runtime?.stop();
  stores?.destroy();
  await devnet?.stop();
});

const chainOf = (chainId: number) => {
  const chain = devnetChainsOf(devnet.manifest).evm.find((c) => c.chainId === chainId);
  if (!chain) throw new Error(`no chain ${chainId}`);
  return chain;
};
const escrowOf = (chainId: number) => chainOf(chainId).contracts.escrow as Address;
const publicClient = (chainId: number) => devnet.evm.clients(chainId).publicClient;

function buyer(index: number): Address {
  const ref = devnet.manifest.keys.demoBuyers[index];
  if (ref?.kind !== "anvil-dev-account") throw new Error(`no demo buyer ${index}`);
  return ref.address;
}

function nettingVault(chainId: number): Address {
  const vault = devnet.manifest.keys.nettingVaults?.find((v) => v.chainId === chainId);
  if (!vault) throw new Error(`no netting vault for ${chainId}`);
  return getAddress(slice(vault.account, 12));
}

interface Payment {
  chainId: number;
  model: bigint;
  buyer: number;
  epoch: bigint;
  amount: bigint;
}

async function pay(chainId: number, model: bigint, buyerIndex: number, requests: bigint): Promise<Payment> {
  const client = publicClient(chainId);
  const wallet = devnet.evm.clients(chainId).wallet(buyer(buyerIndex));
  const amount = 10_000n * requests;
  await submitTransaction(client, "approve", () =>
    wallet.writeContract({
      address: chainOf(chainId).stablecoin.address as Address,
      abi: devnetStablecoinAbi,
      functionName: "approve",
      args: [escrowOf(chainId), amount],
    }),
  );
  const epoch = await client.readContract({
    address: escrowOf(chainId),
    abi: escrowAbi,
    functionName: "currentEpoch",
    args: [model],
  });
  await submitTransaction(client, `pay on ${chainId}`, async () => {
    const { request } = await client.simulateContract({
      account: buyer(buyerIndex),
      address: escrowOf(chainId),
      abi: escrowAbi,
      functionName: "pay",
      args: [model, amount],
    });
    return wallet.writeContract(request);
  });
  return { chainId, model, buyer: buyerIndex, epoch, amount };
}

function balanceOf(chainId: number, account: Address): Promise<bigint> {
  return publicClient(chainId).readContract({
    address: chainOf(chainId).stablecoin.address as Address,
    abi: devnetStablecoinAbi,
    functionName: "balanceOf",
    args: [account],
  });
}

async function passTime(chainId: number, endSeconds: bigint): Promise<void> {
  const client = publicClient(chainId);
  const now = (await client.getBlock({ blockTag: "latest" })).timestamp;
  const delta = endSeconds > now ? Number(endSeconds - now) + 1 : 1;
  await client.request({ method: "evm_increaseTime" as never, params: [delta] as never });
  await client.request({ method: "evm_mine" as never });
}

/** Signs the (model, epoch) report with 2 of the 3 manifest probers and submits it to the home SlaOracle. */
async function recordVerdict(model: bigint, epoch: bigint, breached: boolean): Promise<number> {
  const client = publicClient(home.chainId);
  const clients = devnet.evm.clients(home.chainId);
  const oracle = home.contracts.slaOracle as Address;
  const terms = await client.readContract({
    address: home.contracts.modelRegistry as Address,
    abi: modelRegistryAbi,
    functionName: "slaTermsAt",
    args: [model, epoch],
  });
  const measured = breached
    ? { p50Ms: 60, p95Ms: 900, p99Ms: 950, uptimeBps: 10_000, sampleCount: 300 }
    : { p50Ms: 40, p95Ms: 90, p99Ms: 120, uptimeBps: 10_000, sampleCount: 300 };
  const report: SlaReport = {
    modelId: model,
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
  const submit = buildSubmitReportTx({ oracle, report, signatures });
  await submitTransaction(client, "submitReport", () =>
    clients.wallet(submitter).sendTransaction({ to: oracle, data: submit.data }),
  );
  return report.refundBps;
}

/** Publishes the recorded verdict to a payment chain: evm-a over LayerZero, the home escrow over Wormhole. */
async function publishVerdict(model: bigint, epoch: bigint, chainId: number): Promise<void> {
  const client = publicClient(home.chainId);
  const clients = devnet.evm.clients(home.chainId);
  const oracle = home.contracts.slaOracle as Address;
  const verdict = await new SlaOracleReader(client as never, oracle).verdictOf(model, epoch);
  const messenger = (chainId === A ? home.contracts.layerZeroMessenger : home.contracts.wormholeMessenger) as Address;
  const fee = await client.readContract({
    address: messenger,
    abi: layerZeroMessengerAbi,
    functionName: "quote",
    args: [
      chainId,
      encodeMessage({
        kind: "Verdict",
        modelId: model,
        epoch,
        refundBps: verdict.refundBps,
        reportHash: verdict.reportHash as Hex,
      }),
    ],
  });
  const [submitter] = await clients.accounts();
  if (!submitter) throw new Error("no dev account");
  await submitTransaction(client, "publishVerdict", () =>
    clients.wallet(submitter).writeContract({
      address: oracle,
      abi: slaOracleAbi,
      functionName: "publishVerdict",
      args: [model, epoch, chainId, messenger],
      value: fee,
    }),
  );
}

/** Watch passes and relay-queue drains through the Lambda handlers. */
async function drive(w: RelayWorld, rounds: number): Promise<void> {
  const watch = createWatchEvmHandler(async () => w);
  const relay = createRelayHandler(async () => w, {
    idempotency: { tableName: devnet.dynamo.tableNames.idempotency, client: stores.client },
  });
  const retry = createRetryHandler(async () => w);
  const consumer = new QueueConsumer({ queue: runtime.queue("relay"), handler: relay, batchSize: 10 });
  for (let round = 0; round < rounds; round++) {
    for (const chain of devnetChainsOf(devnet.manifest).evm) {
      await publicClient(chain.chainId).request({ method: "evm_mine" as never });
    }
    await watch();
    while ((await consumer.pollOnce()) > 0) {}
    await new Promise((resolve) => setTimeout(resolve, 150)); // backoffs elapse, the guardian observes
    await retry();
  }
}

/** Drives until every settle job of the given (chain, model, epoch)s is confirmed and its payouts are all paid. */
async function driveUntilPaidOut(w: RelayWorld, epochs: readonly EpochOnChain[]): Promise<void> {
  for (let pass = 0; pass < 12; pass++) {
    await drive(w, 2);
    let done = true;
    for (const e of epochs) {
      const job = await stores.jobs.get(jobIds.settle({ chainId: e.chainId, modelId: e.model, epoch: e.epoch }));
      const payees = await payeesOf(e.model, e.epoch);
      const paid = await paidOutLogs(e);
      if (job?.status !== "confirmed" || paid.length < payees.length) done = false;
    }
    if (done) return;
  }
}

interface EpochOnChain {
  chainId: number;
  model: bigint;
  epoch: bigint;
}

function payeesOf(model: bigint, epoch: bigint) {
  return publicClient(home.chainId).readContract({
    address: home.contracts.modelRegistry as Address,
    abi: modelRegistryAbi,
    functionName: "payees",
    args: [model, epoch],
  });
}

function paidOutLogs(e: EpochOnChain) {
  return publicClient(e.chainId).getContractEvents({
    address: escrowOf(e.chainId),
    abi: escrowAbi,
    eventName: "PaidOut",
    args: { modelId: e.model, epoch: e.epoch },
    fromBlock: 0n,
  });
}

function escrowEvents(e: EpochOnChain, eventName: "Refunded" | "Released") {
  return publicClient(e.chainId).getContractEvents({
    address: escrowOf(e.chainId),
    abi: escrowAbi,
    eventName,
    args: { modelId: e.model, epoch: e.epoch },
    fromBlock: 0n,
  });
}

function publishedLogs(e: EpochOnChain) {
  return publicClient(home.chainId).getContractEvents({
    address: home.contracts.modelRegistry as Address,
    abi: modelRegistryAbi,
    eventName: "PayoutPublished",
    args: { modelId: e.model, epoch: e.epoch, dstChain: e.chainId },
    fromBlock: 0n,
  });
}

/** Every stablecoin balance the test looks at, per chain. */
async function snapshot(accounts: ReadonlyMap<number, readonly Address[]>): Promise<Map<string, bigint>> {
  const out = new Map<string, bigint>();
  for (const [chainId, list] of accounts) {
    for (const account of list) out.set(`${chainId}:${account}`, await balanceOf(chainId, account));
  }
  return out;
}

const max = (a: bigint, b: bigint) => (a > b ? a : b);

function settleJob(e: EpochOnChain, now: number): Job {
  return {
    id: jobIds.settle({ chainId: e.chainId, modelId: e.model, epoch: e.epoch }),
    kind: "settle",
    status: "observed",
    version: 1,
    source: { chainId: e.chainId, transaction: "0x", block: 0n, blockHash: "0x", index: 0 },
    destinationChainId: e.chainId,
    transport: e.chainId === A ? "layerzero" : "wormhole",
    payload: "0x",
    epochRef: { modelId: e.model, epoch: e.epoch },
    attempts: 0,
    createdAt: now,
    updatedAt: now,
  };
}

describe("payouts on the devnet: buyers on evm-a and on the home chain, refunds, release, payouts with netting", () => {
  it("refunds each buyer on its chain, releases once, pays every payee its share once (netting vault for the rest)", async () => {
    const w = world();
    // A first watch pass: a fresh bot relays receipts from the last ended epoch on (its epoch cursors start here).
    await drive(w, 1);
    const payments: Payment[] = [];
    for (const chainId of [A, B]) {
      payments.push(await pay(chainId, BREACHING, 0, 3n));
      payments.push(await pay(chainId, BREACHING, 1, 2n));
      payments.push(await pay(chainId, BREACHING, 2, 1n));
      payments.push(await pay(chainId, HEALTHY, 2, 4n));
    }
    const epochs: EpochOnChain[] = [];
    for (const p of payments) {
      if (!epochs.some((e) => e.chainId === p.chainId && e.model === p.model && e.epoch === p.epoch)) {
        epochs.push({ chainId: p.chainId, model: p.model, epoch: p.epoch });
      }
    }
    // Balances of everyone involved, before anything settles.
    const payeeAccounts = new Map<number, Address[]>();
    for (const chainId of [A, B]) {
      const list = [buyer(0), buyer(1), buyer(2), nettingVault(chainId)];
      for (const e of epochs) {
        for (const payee of await payeesOf(e.model, e.epoch)) {
          if (payee.chain === chainId) list.push(getAddress(slice(payee.account, 12)));
        }
      }
      payeeAccounts.set(chainId, [...new Set(list)]);
    }
    const before = await snapshot(payeeAccounts);

    // Every epoch ends on both chains (each anvil has its own clock; the home registry's clock is evm-b's).
    const ends = new Map<number, bigint>();
    for (const e of epochs) {
      const end = await publicClient(e.chainId).readContract({
        address: escrowOf(e.chainId),
        abi: escrowAbi,
        functionName: "epochEnd",
        args: [e.model, e.epoch],
      });
      for (const chainId of [e.chainId, home.chainId]) ends.set(chainId, max(ends.get(chainId) ?? 0n, end));
    }
    for (const [chainId, end] of ends) await passTime(chainId, end);

    // Receipts relay home through the handlers: evm-a over LayerZero, the home escrow over Wormhole self-delivery.
    await drive(w, 4);
    for (const e of epochs) {
      const total = payments
        .filter((p) => p.chainId === e.chainId && p.model === e.model && p.epoch === e.epoch)
        .reduce((sum, p) => sum + p.amount, 0n);
      const revenue = await publicClient(home.chainId).readContract({
        address: home.contracts.revenueLedger as Address,
        abi: revenueLedgerAbi,
        functionName: "revenue",
        args: [e.model, e.epoch, e.chainId],
      });
      expect(revenue.total, `revenue of ${e.model}/${e.epoch} on ${e.chainId}`).toBe(total);
    }

    // Verdicts: 2-of-3 prober signatures, once per (model, epoch); published to each chain holding its escrow.
    const refundBps = new Map<string, number>();
    for (const e of epochs) {
      const key = `${e.model}:${e.epoch}`;
      if (!refundBps.has(key)) refundBps.set(key, await recordVerdict(e.model, e.epoch, e.model === BREACHING));
      await publishVerdict(e.model, e.epoch, e.chainId);
    }
    expect([...new Set([...refundBps].filter(([k]) => k.startsWith("2:")).map(([, v]) => v))]).toEqual([2_500]);
    expect([...new Set([...refundBps].filter(([k]) => k.startsWith("1:")).map(([, v]) => v))]).toEqual([0]);

    // Verdict delivery, VerdictApplied -> refund and settle jobs, refunds, release, payouts, payout delivery.
    await driveUntilPaidOut(w, epochs);

    const expected = new Map<string, bigint>(); // chain:account -> expected delta
    const add = (chainId: number, account: Address, amount: bigint) => {
      const key = `${chainId}:${account}`;
      expected.set(key, (expected.get(key) ?? 0n) + amount);
    };
    for (const e of epochs) {
      const bps = BigInt(refundBps.get(`${e.model}:${e.epoch}`) ?? -1);
      const mine = payments.filter((p) => p.chainId === e.chainId && p.model === e.model && p.epoch === e.epoch);
      const paid = mine.reduce((sum, p) => sum + p.amount, 0n);
      let refunded = 0n;
      for (const p of mine) {
        const share = (p.amount * bps) / 10_000n;
        refunded += share;
        add(e.chainId, buyer(p.buyer), share); // the snapshot was taken after paying: the refund is the delta
      }
      const released = paid - refunded;
      const releasedLogs = await escrowEvents(e, "Released");
      expect(releasedLogs.map((log) => log.args.amount)).toEqual([released]);
      expect(await escrowEvents(e, "Refunded")).toHaveLength(bps === 0n ? 0 : mine.length);

      const payees = await payeesOf(e.model, e.epoch);
      const logs = await paidOutLogs(e);
      expect(logs.map((log) => log.args.payoutIndex).sort()).toEqual(payees.map((_, i) => i));
      let sum = 0n;
      payees.forEach((payee, i) => {
        const amount = i === payees.length - 1 ? released - sum : (released * BigInt(payee.shareBps)) / 10_000n;
        sum += amount;
        const to = payee.chain === e.chainId ? getAddress(slice(payee.account, 12)) : nettingVault(e.chainId);
        const log = logs.find((l) => l.args.payoutIndex === i);
        expect(log?.args.amount, `payout ${i} of ${e.model}/${e.epoch} on ${e.chainId}`).toBe(amount);
        expect(log?.args.payee).toBe(to);
        add(e.chainId, to, amount);
      });
      expect(sum).toBe(released);
      expect(await publishedLogs(e)).toHaveLength(payees.length); // each index published once to this chain
    }
    const after = await snapshot(payeeAccounts);
    for (const [key, value] of after) {
      expect(value - (before.get(key) ?? 0n), `balance delta of ${key}`).toBe(expected.get(key) ?? 0n);
    }

    // Replays: every job re-queued (duplicates too), more watch passes, and an amnesiac store re-observing the
    // settle jobs: nothing is paid, refunded, released or published again.
    const all = [
      ...(await stores.jobs.listByStatus("confirmed", { limit: 500 })),
      ...(await stores.jobs.listByStatus("failed", { limit: 500 })),
    ];
    for (const job of all) {
      runtime.queue("relay").send(JSON.stringify({ jobId: job.id }));
      runtime.queue("relay").send(JSON.stringify({ jobId: job.id }));
    }
    await drive(w, 3);
    const amnesiac = world(new MemoryJobStore({ clock: w.clock }));
    for (const e of epochs) {
      await amnesiac.engine.ingest(settleJob(e, w.clock.now()));
      const outcome = await amnesiac.engine.process(
        jobIds.settle({ chainId: e.chainId, modelId: e.model, epoch: e.epoch }),
      );
      const job = outcome.result === "unknown-job" ? undefined : outcome.job;
      expect(job?.status === "confirmed" && job.alreadyDone, `amnesiac settle of ${e.model}/${e.epoch}`).toBe(true);
    }
    expect(await snapshot(payeeAccounts)).toEqual(after);
    for (const e of epochs) {
      const payees = await payeesOf(e.model, e.epoch);
      expect(await paidOutLogs(e)).toHaveLength(payees.length);
      expect(await publishedLogs(e)).toHaveLength(payees.length);
      expect(await escrowEvents(e, "Released")).toHaveLength(1);
    }
    expect(await stores.jobs.listByStatus("dead-lettered", { limit: 100 })).toEqual([]);
  }, 300_000);

  it("a payout published by a worker that died before recording it is found on the home chain and not sent again", async () => {
    const w = world();
    await drive(w, 1);
    const payment = await pay(B, HEALTHY, 0, 5n);
    const e: EpochOnChain = { chainId: B, model: HEALTHY, epoch: payment.epoch };
    const end = await publicClient(B).readContract({
      address: escrowOf(B),
      abi: escrowAbi,
      functionName: "epochEnd",
      args: [e.model, e.epoch],
    });
    await passTime(B, end);
    await drive(w, 3); // receipts home
    expect(await recordVerdict(e.model, e.epoch, false)).toBe(0);
    await publishVerdict(e.model, e.epoch, B);
    await drive(w, 1); // the verdict VAA is delivered; VerdictApplied is not past its confirmation yet
    const record = await publicClient(B).readContract({
      address: escrowOf(B),
      abi: escrowAbi,
      functionName: "epochRecord",
      args: [e.model, e.epoch],
    });
    expect(record.status).toBe(1); // settled
    const settleId = jobIds.settle({ chainId: B, modelId: e.model, epoch: e.epoch });
    expect(await stores.jobs.get(settleId)).toBeUndefined();

    // The dead worker's effects: it released and published payout 0 over the route's messenger, then died.
    const clients = devnet.evm.clients(B);
    const [anyone] = await clients.accounts();
    if (!anyone) throw new Error("no dev account");
    await submitTransaction(publicClient(B), "release", () =>
      clients
        .wallet(anyone)
        .writeContract({ address: escrowOf(B), abi: escrowAbi, functionName: "release", args: [e.model, e.epoch] }),
    );
    await submitTransaction(publicClient(B), "publishPayout 0", () =>
      clients.wallet(anyone).writeContract({
        address: home.contracts.modelRegistry as Address,
        abi: modelRegistryAbi,
        functionName: "publishPayout",
        args: [e.model, e.epoch, B, 0, home.contracts.wormholeMessenger as Address],
      }),
    );

    await driveUntilPaidOut(w, [e]);
    const payees = await payeesOf(e.model, e.epoch);
    const published = await publishedLogs(e);
    expect(published.map((log) => log.args.payoutIndex).sort()).toEqual(payees.map((_, i) => i)); // each once
    const paid = await paidOutLogs(e);
    expect(paid.map((log) => log.args.payoutIndex).sort()).toEqual(payees.map((_, i) => i));
    expect(paid.reduce((sum, log) => sum + (log.args.amount ?? 0n), 0n)).toBe(payment.amount);
    const job = await stores.jobs.get(settleId);
    expect(job?.status === "confirmed" && job.alreadyDone).toBe(false); // it published the rest itself
    expect(await stores.jobs.listByStatus("dead-lettered", { limit: 100 })).toEqual([]);
  }, 300_000);
});
