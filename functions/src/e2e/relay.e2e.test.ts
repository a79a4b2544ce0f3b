import { escrowAbi, revenueLedgerAbi } from "@slabridge/contracts";
import { type Job, parseStageConfig, type StageConfig } from "@slabridge/core";
import { type Devnet, devnetChainsOf, devnetStablecoinAbi, startDevnet, submitTransaction } from "@slabridge/devnet";
import { createLambdaContext, LocalRuntime, QueueConsumer } from "@slabridge/runtime";
import { createStores } from "@slabridge/store";
import type { Context, SQSEvent } from "aws-lambda";
import type { Address } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildRelayWorld, type RelayWorld } from "../context/buildRelayWorld.ts";
import { createRelayHandler } from "../relay.ts";
import { createRetryHandler } from "../retry.ts";
import { createWatchEvmHandler } from "../watchEvm.ts";

const EPOCH_SECONDS = 3;
let devnet: Devnet;
let runtime: LocalRuntime;
let stores: ReturnType<typeof createStores>;

function stageConfig(transport: "layerzero" | "wormhole"): StageConfig {
  return parseStageConfig({
    stage: "devnet",
    chains: devnetChainsOf(devnet.manifest).evm.map((chain) => ({
      chainId: chain.chainId,
      name: chain.name,
      family: "evm",
      rpcUrl: { url: chain.rpcUrl },
      confirmations: chain.confirmations,
    })),
    routes: [
      { source: 31_337, destination: 31_338, kind: "ReceiptBatch", transport },
      { source: 31_338, destination: 31_337, kind: "Verdict", transport },
    ],
    batching: { maxPaymentsPerReceiptBatch: 2 },
    retry: { tiersMs: [50, 100], maxAttempts: 5, jitter: 0 },
    watch: { pollIntervalSeconds: 1 },
  });
}

function world(transport: "layerzero" | "wormhole"): RelayWorld {
  return buildRelayWorld({
    manifest: devnet.manifest,
    config: stageConfig(transport),
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
  runtime = new LocalRuntime();
}, 60_000);

afterAll(async () => {
  await runtime?.stop();
  stores?.destroy();
  await devnet?.stop();
});

/** A buyer pays `n` requests of `modelId` on evm-a; returns the epoch it paid in. */
async function pay(modelId: bigint, requests: bigint, buyerIndex = 0): Promise<bigint> {
  const a = devnetChainsOf(devnet.manifest).evm[0];
  const ref = devnet.manifest.keys.demoBuyers[buyerIndex];
  if (!a?.contracts.escrow || ref?.kind !== "anvil-dev-account") throw new Error("devnet shape");
  const clients = devnet.evm.clients(a.chainId);
  const wallet = clients.wallet(ref.address);
  const escrow = a.contracts.escrow as Address;
  const amount = 10_000n * requests;
  await submitTransaction(clients.publicClient, "approve", () =>
    wallet.writeContract({
      address: a.stablecoin.address as Address,
      abi: devnetStablecoinAbi,
      functionName: "approve",
      args: [escrow, amount],
    }),
  );
  const epoch = await clients.publicClient.readContract({
    address: escrow,
    abi: escrowAbi,
    functionName: "currentEpoch",
    args: [modelId],
  });
  await submitTransaction(clients.publicClient, "pay", () =>
    wallet.writeContract({ address: escrow, abi: escrowAbi, functionName: "pay", args: [modelId, amount] }),
  );
  return epoch;
}

async function endEpochOnPaymentChain(): Promise<void> {
  const client = devnet.evm.clients(31_337).publicClient;
  await client.request({ method: "evm_increaseTime" as never, params: [EPOCH_SECONDS + 1] as never });
  await client.request({ method: "evm_mine" as never });
}

async function revenue(modelId: bigint, epoch: bigint) {
  const b = devnetChainsOf(devnet.manifest).evm[1];
  if (!b?.contracts.revenueLedger) throw new Error("no ledger");
  return devnet.evm.clients(b.chainId).publicClient.readContract({
    address: b.contracts.revenueLedger as Address,
    abi: revenueLedgerAbi,
    functionName: "revenue",
    args: [modelId, epoch, 31_337],
  });
}

const context = (): Context =>
  createLambdaContext({
    functionName: "relay",
    awsRequestId: `local-${Date.now()}`,
    region: "us-east-1",
    timeoutMs: 120_000,
    memoryLimitInMB: 1024,
    startedAt: Date.now(),
  });

/** Runs watch passes and drains the relay queue through the relay handler until nothing is left to do. */
async function settle(w: RelayWorld, rounds = 8): Promise<void> {
  const watch = createWatchEvmHandler(async () => w);
  const relay = createRelayHandler(async () => w, {
    idempotency: { tableName: devnet.dynamo.tableNames.idempotency, client: stores.client },
  });
  const retry = createRetryHandler(async () => w);
  const consumer = new QueueConsumer({ queue: runtime.queue("relay"), handler: relay, batchSize: 10 });
  for (let round = 0; round < rounds; round++) {
    // Local anvils mine only on transactions; real chains keep producing blocks, which confirmations rely on.
    for (const chain of devnetChainsOf(devnet.manifest).evm) {
      await devnet.evm.clients(chain.chainId).publicClient.request({ method: "evm_mine" as never });
    }
    await watch();
    // The runtime's SQS event source: AWS-shaped batches, partial failures stay queued, the rest are deleted.
    while ((await consumer.pollOnce()) > 0) {}
    await new Promise((resolve) => setTimeout(resolve, 120)); // let backoffs elapse
    await retry();
  }
}

async function jobsIn(status: Job["status"]): Promise<Job[]> {
  return stores.jobs.listByStatus(status, { limit: 100 });
}

describe("relay engine on the devnet, through the Lambda handlers", () => {
  beforeAll(() => {
    runtime.addQueue("relay-dlq");
    runtime.addQueue("relay", { visibilityTimeout: 60, maxReceiveCount: 5, dlq: "relay-dlq" });
  });

  it("relays evm-a's payments to the home chain as receipt batches over LayerZero, each exactly once", async () => {
    const w = world("layerzero");
    const epoch = await pay(1n, 3n, 0);
    await pay(1n, 2n, 1);
    await pay(1n, 1n, 2);
    await endEpochOnPaymentChain();
    await settle(w);
    const recorded = await revenue(1n, epoch);
    expect(recorded.payments).toBe(3n);
    expect(recorded.total).toBe(60_000n);
    // 3 payments in batches of at most 2: two batches, the second final.
    expect(recorded.batches).toBe(2n);
    expect(await jobsIn("dead-lettered")).toEqual([]);

    // Duplicate queue deliveries and extra passes change nothing.
    const confirmed = await jobsIn("confirmed");
    for (const job of confirmed) runtime.queue("relay").send(JSON.stringify({ jobId: job.id }));
    await settle(w, 2);
    expect((await revenue(1n, epoch)).total).toBe(60_000n);
  }, 120_000);

  it("relays over Wormhole when the route says so (VAAs from the devnet guardian)", async () => {
    const w = world("wormhole");
    const epoch = await pay(2n, 4n, 0);
    await endEpochOnPaymentChain();
    await settle(w);
    const recorded = await revenue(2n, epoch);
    expect(recorded.total).toBe(40_000n);
    expect(recorded.payments).toBe(1n);
    const wormholeJobs = (await jobsIn("confirmed")).filter((job) => job.id.startsWith("deliver-message:wh:"));
    expect(wormholeJobs.length).toBeGreaterThan(0);
  }, 120_000);

  it("rejects a malformed queue message with a partial batch failure and changes nothing", async () => {
    const w = world("layerzero");
    const relay = createRelayHandler(async () => w);
    const before = (await jobsIn("confirmed")).length;
    const response = await relay(
      {
        Records: [
          { messageId: "bad-1", body: "not json" },
          { messageId: "bad-2", body: JSON.stringify({ jobId: 42 }) },
        ],
      } as unknown as SQSEvent,
      context(),
    );
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(["bad-1", "bad-2"]);
    expect((await jobsIn("confirmed")).length).toBe(before);
  });
});
