import {
  type DeploymentManifest,
  type Job,
  jobIds,
  matchFamily,
  type PayoutPublisher,
  type PayoutStatus,
  parseStageConfig,
  type SettlementJobRef,
  type SettlementState,
  type SettlementTarget,
  SOLANA_CHAIN_ID,
} from "@slabridge/core";
import { evmSettlementJobs } from "@slabridge/evm";
import { RelayEngine } from "@slabridge/relay";
import { solanaSettlementJobs } from "@slabridge/solana";
import { MemoryJobStore } from "@slabridge/store";
import { describe, expect, it } from "vitest";
import { createSettlementWorkers } from "./createSettlementWorkers.ts";
import { type SettlementSweepWorld, sweepSettlement } from "./sweepSettlement.ts";

const address = (n: number): `0x${string}` => `0x${n.toString(16).padStart(40, "0")}`;
const anvil = (index: number) => ({ kind: "anvil-dev-account" as const, index, address: address(100 + index) });
const GENESIS = 1_700_000_000;
const EPOCH_SECONDS = 10;
/** Epoch 25 of the models is running: 0..24 have ended. */
const NOW = (GENESIS + 25 * EPOCH_SECONDS + 3) * 1_000;
const PAYMENT_CHAIN = 31_337;
const HOME_CHAIN = 31_338;

function manifest(withSolana: boolean): DeploymentManifest {
  const chain = (name: string, chainId: number, home: boolean) => ({
    family: "evm" as const,
    name,
    chainId,
    rpcUrl: "http://127.0.0.1:9",
    confirmations: 1,
    layerZero: { eid: 40_000 + chainId, endpointV2: address(1), sendUln302: address(2), receiveUln302: address(3) },
    wormhole: { chainId: 10_002 + chainId - 31_337, core: address(4) },
    stablecoin: { address: address(5), decimals: 6, symbol: "dUSDC" },
    contracts: {
      ...(home ? { modelRegistry: address(6), slaOracle: address(7) } : {}),
      escrow: address(9),
      layerZeroMessenger: address(10),
      wormholeMessenger: address(11),
    },
  });
  const model = (modelId: string) => ({
    modelId,
    homeChainId: HOME_CHAIN,
    genesis: GENESIS,
    epochSeconds: EPOCH_SECONDS,
    hostName: `host-${modelId}`,
    hostUrl: "http://127.0.0.1:9001",
    pricePerRequest: "10000",
  });
  const base58 = "11111111111111111111111111111111";
  return {
    version: 1,
    network: "devnet",
    createdAt: new Date(0).toISOString(),
    homeChainId: HOME_CHAIN,
    chains: [
      chain("evm-a", PAYMENT_CHAIN, false),
      chain("evm-b", HOME_CHAIN, true),
      ...(withSolana
        ? [
            {
              family: "solana" as const,
              name: "solana",
              chainId: SOLANA_CHAIN_ID,
              rpcUrl: "http://127.0.0.1:8899",
              wsUrl: "ws://127.0.0.1:8900",
              mint: base58,
              decimals: 6,
              vault: base58,
              multisig: base58,
              threshold: 2,
              operators: [anvil(6)],
              wormholeEmitter: `0x${"11".repeat(32)}` as const,
            },
          ]
        : []),
    ],
    guardian: { apiUrl: "http://127.0.0.1:7071", guardianSetIndex: 0 },
    dynamo: { endpoint: "http://127.0.0.1:4567", region: "us-east-1", tables: { jobs: "devnet-Jobs" } },
    hosts: [],
    models: [model("1"), model("2")],
    keys: {
      deployer: anvil(0),
      layerZeroDvn: anvil(1),
      layerZeroExecutor: anvil(2),
      wormholeGuardian: { kind: "wormhole-sdk-devnet-guardian", address: address(12) },
      probers: [anvil(3), anvil(4), anvil(5)],
      proberThreshold: 2,
      demoBuyers: [],
    },
  };
}

const config = parseStageConfig({
  stage: "devnet",
  chains: [
    { chainId: PAYMENT_CHAIN, name: "evm-a", family: "evm", rpcUrl: { url: "http://127.0.0.1:9" }, confirmations: 1 },
    { chainId: HOME_CHAIN, name: "evm-b", family: "evm", rpcUrl: { url: "http://127.0.0.1:9" }, confirmations: 1 },
  ],
  routes: [{ source: HOME_CHAIN, destination: PAYMENT_CHAIN, kind: "Payout", transport: "wormhole" }],
  batching: { maxPaymentsPerReceiptBatch: 10, maxRefundsPerTransaction: 2 },
  retry: { tiersMs: [50], maxAttempts: 3, jitter: 0 },
  watch: { pollIntervalSeconds: 1 },
});

const NONE: SettlementState = { verdictApplied: false, refundsDone: false, released: false };

/** A settlement target whose state is a table; it must never be asked to move money. */
class FakeTarget implements SettlementTarget {
  readonly reads: string[] = [];
  constructor(
    readonly chainId: number,
    private readonly states: Record<string, SettlementState>,
    private readonly failing = new Set<string>(),
  ) {}
  async state(modelId: bigint, epoch: bigint): Promise<SettlementState> {
    const key = `${modelId}:${epoch}`;
    this.reads.push(key);
    if (this.failing.has(key)) throw new Error("connection refused");
    return this.states[key] ?? NONE;
  }
  async refundNext(): Promise<{ transaction: string }> {
    throw new Error("a sweep never refunds");
  }
  async release(): Promise<{ transaction: string }> {
    throw new Error("a sweep never releases");
  }
}

/** The home chain's payout publisher as a table of payout statuses per (chain, model, epoch); records publishes. */
class FakePayouts implements PayoutPublisher {
  readonly published: string[] = [];
  constructor(
    private readonly count: number,
    private readonly statuses: Record<string, PayoutStatus> = {},
  ) {}
  servesChain(chainId: number): boolean {
    return chainId !== SOLANA_CHAIN_ID;
  }
  async payoutCount(): Promise<number> {
    return this.count;
  }
  async status(chainId: number, modelId: bigint, epoch: bigint, index: number): Promise<PayoutStatus> {
    return this.statuses[`${chainId}:${modelId}:${epoch}:${index}`] ?? "open";
  }
  async publish(chainId: number, modelId: bigint, epoch: bigint, index: number): Promise<{ transaction: string }> {
    const key = `${chainId}:${modelId}:${epoch}:${index}`;
    this.published.push(key);
    this.statuses[key] = "published";
    return { transaction: `0xpublish-${key}` };
  }
}

function world(targets: FakeTarget[], options: { solana?: boolean; now?: number; payouts?: FakePayouts } = {}) {
  const clock = { now: () => options.now ?? NOW };
  const jobs = new MemoryJobStore({ clock });
  const queued: string[] = [];
  const enqueue = async (jobId: string) => {
    queued.push(jobId);
  };
  const settlementTargets = new Map(targets.map((t) => [t.chainId, t]));
  const engine = new RelayEngine({
    jobs,
    transports: {},
    receiptSources: new Map(),
    enqueue,
    clock,
    retry: config.retry,
    maxPaymentsPerBatch: 10,
    workers: createSettlementWorkers({ settlementTargets, clock, payouts: options.payouts }),
  });
  // Each chain's jobs as its family's watcher shapes them (the adapters' settlementJobs).
  const deployment = manifest(options.solana ?? false);
  const chains = new Map(
    deployment.chains
      .filter((chain) => settlementTargets.has(chain.chainId))
      .map((chain) => [
        chain.chainId,
        {
          settlementJobs: (r: SettlementJobRef) =>
            matchFamily(chain, {
              evm: (c) => evmSettlementJobs({ chainId: c.chainId, homeChainId: HOME_CHAIN, config, clock }, r),
              solana: (c) => solanaSettlementJobs({ chainId: c.chainId, clock }, r),
            }),
        },
      ]),
  );
  const w: SettlementSweepWorld = {
    manifest: deployment,
    config,
    clock,
    chains,
    settlementTargets,
    enqueue,
    engine,
    ...(options.payouts ? { payouts: options.payouts } : {}),
  };
  return { world: w, jobs, queued, engine };
}

const ref = (chainId: number, modelId: bigint, epoch: bigint) => ({ chainId, modelId, epoch });

describe("sweepSettlement", () => {
  it("creates and queues the refund job a watcher missed, with the watcher's shape", async () => {
    const target = new FakeTarget(PAYMENT_CHAIN, {
      "2:24": { verdictApplied: true, refundsDone: false, released: false },
    });
    const { world: w, jobs, queued } = world([target]);
    const result = await sweepSettlement(w, "refund");

    const id = jobIds.refund(ref(PAYMENT_CHAIN, 2n, 24n));
    expect(result).toEqual({
      kind: "refund",
      checked: 20,
      jobs: [{ chainId: PAYMENT_CHAIN, modelId: "2", epoch: "24", jobId: id, action: "created" }],
      failures: [],
    });
    expect(queued).toEqual([id]);
    const job = await jobs.get(id);
    expect(job).toMatchObject({
      kind: "refund",
      status: "observed",
      destinationChainId: PAYMENT_CHAIN,
      payload: "0x",
      epochRef: { modelId: 2n, epoch: 24n },
      attempts: 0,
      source: { chainId: PAYMENT_CHAIN, transaction: "settlement-sweep:2:24" },
    });
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  it("looks back lookbackEpochs ended epochs per model (10 without probing config), never the running epoch", async () => {
    const target = new FakeTarget(PAYMENT_CHAIN, {});
    const { world: w } = world([target]);
    await sweepSettlement(w, "refund");
    const epochs = (model: string) =>
      target.reads.filter((k) => k.startsWith(`${model}:`)).map((k) => Number(k.split(":")[1]));
    expect(epochs("1")).toEqual([15, 16, 17, 18, 19, 20, 21, 22, 23, 24]);
    expect(epochs("2")).toEqual(epochs("1"));

    const probed = { ...w, config: { probing: { lookbackEpochs: 3 } } };
    target.reads.length = 0;
    await sweepSettlement(probed, "refund");
    expect(target.reads).toEqual(["1:22", "1:23", "1:24", "2:22", "2:23", "2:24"]);

    target.reads.length = 0;
    const early = world([target], { now: (GENESIS + 2 * EPOCH_SECONDS) * 1_000 }).world;
    await sweepSettlement(early, "refund");
    expect(target.reads).toEqual(["1:0", "1:1", "2:0", "2:1"]);
  });

  it("only queues a job that already exists: nothing is created twice", async () => {
    const target = new FakeTarget(PAYMENT_CHAIN, {
      "1:20": { verdictApplied: true, refundsDone: false, released: false },
    });
    const { world: w, jobs, queued } = world([target]);
    const first = await sweepSettlement(w, "refund");
    const id = jobIds.refund(ref(PAYMENT_CHAIN, 1n, 20n));
    const stored = await jobs.get(id);

    const second = await sweepSettlement(w, "refund");
    expect(first.jobs.map((j) => j.action)).toEqual(["created"]);
    expect(second.jobs).toEqual([{ chainId: PAYMENT_CHAIN, modelId: "1", epoch: "20", jobId: id, action: "queued" }]);
    expect(queued).toEqual([id, id]);
    expect(await jobs.get(id)).toEqual(stored);
    expect(await jobs.listByStatus("observed")).toHaveLength(1);
  });

  it("leaves a job the watcher created as it is and queues it", async () => {
    const target = new FakeTarget(PAYMENT_CHAIN, {
      "1:24": { verdictApplied: true, refundsDone: true, released: false },
    });
    const { world: w, jobs, queued } = world([target]);
    const id = jobIds.settle(ref(PAYMENT_CHAIN, 1n, 24n));
    const watcherJob: Job = {
      id,
      kind: "settle",
      status: "failed",
      retryable: true,
      reason: "rpc down",
      nextAttemptAt: NOW + 60_000,
      version: 3,
      source: { chainId: PAYMENT_CHAIN, transaction: `0x${"ab".repeat(32)}`, block: 7n, blockHash: "0x01", index: 2 },
      destinationChainId: PAYMENT_CHAIN,
      transport: "wormhole",
      payload: "0x",
      epochRef: { modelId: 1n, epoch: 24n },
      attempts: 2,
      createdAt: NOW - 1_000,
      updatedAt: NOW - 500,
    } as Job;
    expect(await jobs.create(watcherJob)).toBe("created");

    const result = await sweepSettlement(w, "settle");
    expect(result.jobs).toEqual([{ chainId: PAYMENT_CHAIN, modelId: "1", epoch: "24", jobId: id, action: "queued" }]);
    expect(queued).toEqual([id]);
    expect(await jobs.get(id)).toEqual(watcherJob);
  });

  it("does nothing while the verdict is not applied", async () => {
    const target = new FakeTarget(PAYMENT_CHAIN, {});
    const { world: w, jobs, queued } = world([target]);
    for (const kind of ["refund", "settle"] as const) {
      const result = await sweepSettlement(w, kind);
      expect(result.checked).toBe(20);
      expect(result.jobs).toEqual([]);
    }
    expect(queued).toEqual([]);
    expect(await jobs.listByStatus("observed")).toEqual([]);
  });

  it("refund sweep ignores epochs whose refunds are done; settle sweep those released", async () => {
    const target = new FakeTarget(PAYMENT_CHAIN, {
      "1:23": { verdictApplied: true, refundsDone: true, released: false },
      "1:24": { verdictApplied: true, refundsDone: true, released: true },
    });
    const { world: w, jobs, queued } = world([target]);
    expect((await sweepSettlement(w, "refund")).jobs).toEqual([]);
    expect(queued).toEqual([]);

    const settleId = jobIds.settle(ref(PAYMENT_CHAIN, 1n, 23n));
    const settled = await sweepSettlement(w, "settle");
    expect(settled.jobs).toEqual([
      { chainId: PAYMENT_CHAIN, modelId: "1", epoch: "23", jobId: settleId, action: "created" },
    ]);
    // The settle job travels over the chain's Payout route, as the watcher's does.
    expect(await jobs.get(settleId)).toMatchObject({ kind: "settle", transport: "wormhole", payload: "0x" });
    expect(await jobs.get(jobIds.refund(ref(PAYMENT_CHAIN, 1n, 23n)))).toBeUndefined();
  });

  it("settle sweep leaves a released epoch with nothing to pay out alone: its payouts (of 0) are never published", async () => {
    const released = { verdictApplied: true, refundsDone: true, released: true };
    const target = new FakeTarget(PAYMENT_CHAIN, {
      "1:23": { ...released, nothingToRelease: true },
      "1:24": { ...released, nothingToRelease: false },
    });
    const { world: w } = world([target], { payouts: new FakePayouts(3, {}) });
    const settled = await sweepSettlement(w, "settle");
    expect(settled.jobs.map((j) => j.epoch)).toEqual(["24"]);
  });

  it("refund sweep creates the refund job of a released epoch whose bond top-up shares are not all paid", async () => {
    const target = new FakeTarget(PAYMENT_CHAIN, {
      "1:23": { verdictApplied: true, refundsDone: true, topUpsDone: false, released: true },
      "1:24": { verdictApplied: true, refundsDone: true, topUpsDone: true, released: true },
    });
    const { world: w } = world([target]);
    expect((await sweepSettlement(w, "refund")).jobs).toEqual([
      {
        chainId: PAYMENT_CHAIN,
        modelId: "1",
        epoch: "23",
        jobId: jobIds.refund(ref(PAYMENT_CHAIN, 1n, 23n)),
        action: "created",
      },
    ]);
  });

  it("sweeps Solana with the Solana watcher's job shape, and keeps going past a chain that cannot be read", async () => {
    const evm = new FakeTarget(
      PAYMENT_CHAIN,
      { "1:24": { verdictApplied: true, refundsDone: false, released: false } },
      new Set(["2:20"]),
    );
    const solana = new FakeTarget(SOLANA_CHAIN_ID, {
      "2:21": { verdictApplied: true, refundsDone: false, released: false },
    });
    const { world: w, jobs, queued } = world([evm, solana], { solana: true });
    const result = await sweepSettlement(w, "refund");

    const solanaId = jobIds.refund(ref(SOLANA_CHAIN_ID, 2n, 21n));
    const evmId = jobIds.refund(ref(PAYMENT_CHAIN, 1n, 24n));
    expect(result.checked).toBe(39);
    expect(result.failures).toEqual([
      { chainId: PAYMENT_CHAIN, modelId: "2", epoch: "20", error: "Error: connection refused" },
    ]);
    expect(result.jobs.map((j) => j.jobId).sort()).toEqual([evmId, solanaId].sort());
    expect(queued.sort()).toEqual([evmId, solanaId].sort());
    expect(await jobs.get(solanaId)).toMatchObject({
      kind: "refund",
      destinationChainId: SOLANA_CHAIN_ID,
      transport: "wormhole",
      epochRef: { modelId: 2n, epoch: 21n },
    });
  });

  it("re-arms a settle job dead-lettered after the release while payouts are unpublished, once; then finds nothing", async () => {
    const released = { verdictApplied: true, refundsDone: true, released: true };
    const target = new FakeTarget(PAYMENT_CHAIN, { "1:23": released, "2:24": released });
    // 1:23: payout 0 was published before the job died; 1 and 2 are open. 2:24: every payout is paid.
    const payouts = new FakePayouts(3, {
      [`${PAYMENT_CHAIN}:1:23:0`]: "published",
      ...Object.fromEntries([0, 1, 2].map((i) => [`${PAYMENT_CHAIN}:2:24:${i}`, "paid" as const])),
    });
    const { world: w, jobs, queued, engine } = world([target], { payouts });
    const id = jobIds.settle(ref(PAYMENT_CHAIN, 1n, 23n));
    const dead: Job = {
      id,
      kind: "settle",
      status: "dead-lettered",
      reason: "NonceTakenError: nonce 7 is taken",
      deadLetteredAt: NOW - 60_000,
      version: 9,
      source: { chainId: PAYMENT_CHAIN, transaction: `0x${"ab".repeat(32)}`, block: 7n, blockHash: "0x01", index: 2 },
      destinationChainId: PAYMENT_CHAIN,
      transport: "wormhole",
      payload: "0x",
      epochRef: { modelId: 1n, epoch: 23n },
      attempts: 3,
      createdAt: NOW - 120_000,
      updatedAt: NOW - 60_000,
    };
    expect(await jobs.create(dead)).toBe("created");

    const result = await sweepSettlement(w, "settle");
    expect(result.failures).toEqual([]);
    expect(result.jobs).toEqual([{ chainId: PAYMENT_CHAIN, modelId: "1", epoch: "23", jobId: id, action: "re-armed" }]);
    expect(queued).toEqual([id]);
    expect(await jobs.get(id)).toMatchObject({ status: "finalized", attempts: 0 });
    // A second pass before the relay got to it: queued again, not re-armed twice.
    expect((await sweepSettlement(w, "settle")).jobs.map((j) => j.action)).toEqual(["queued"]);

    expect((await engine.process(id)).result).toBe("confirmed");
    expect(payouts.published).toEqual([`${PAYMENT_CHAIN}:1:23:1`, `${PAYMENT_CHAIN}:1:23:2`]);
    expect((await sweepSettlement(w, "settle")).jobs).toEqual([]);
    expect((await sweepSettlement(w, "refund")).jobs).toEqual([]);
  });

  it("creates the settle job of a released epoch whose payouts nobody published (the job table was lost)", async () => {
    const target = new FakeTarget(PAYMENT_CHAIN, {
      "2:22": { verdictApplied: true, refundsDone: true, released: true },
    });
    const payouts = new FakePayouts(2);
    const { world: w, jobs, engine } = world([target], { payouts });
    const id = jobIds.settle(ref(PAYMENT_CHAIN, 2n, 22n));
    expect((await sweepSettlement(w, "settle")).jobs).toEqual([
      { chainId: PAYMENT_CHAIN, modelId: "2", epoch: "22", jobId: id, action: "created" },
    ]);
    expect(await jobs.get(id)).toMatchObject({ kind: "settle", status: "observed" });
    expect((await engine.process(id)).result).toBe("confirmed");
    expect(payouts.published).toEqual([`${PAYMENT_CHAIN}:2:22:0`, `${PAYMENT_CHAIN}:2:22:1`]);
    expect((await sweepSettlement(w, "settle")).jobs).toEqual([]);
  });

  it("re-arms confirmed jobs once when the chain shows their work undone (a reorg dropped it after they confirmed)", async () => {
    // 1:23: released, but payouts 0..1 were published in blocks a reorg dropped: they read open again.
    // 2:24: the refund job confirmed, but its refunds were dropped: refunds left, not released.
    const target = new FakeTarget(PAYMENT_CHAIN, {
      "1:23": { verdictApplied: true, refundsDone: true, released: true },
      "2:24": { verdictApplied: true, refundsDone: false, released: false },
    });
    const payouts = new FakePayouts(2);
    const { world: w, jobs, queued } = world([target], { payouts });
    const confirmedAt = NOW - 600_000; // past the 5 min a just-confirmed job is left alone
    const confirmed = (id: string, kind: "refund" | "settle", modelId: bigint, epoch: bigint): Job => ({
      id,
      kind,
      status: "confirmed",
      alreadyDone: false,
      confirmedAt,
      destinationTransaction: `0x${"cd".repeat(32)}`,
      version: 6,
      source: { chainId: PAYMENT_CHAIN, transaction: `0x${"ab".repeat(32)}`, block: 7n, blockHash: "0x01", index: 2 },
      destinationChainId: PAYMENT_CHAIN,
      transport: "wormhole",
      payload: "0x",
      epochRef: { modelId, epoch },
      attempts: 1,
      createdAt: NOW - 120_000,
      updatedAt: NOW - 60_000,
    });
    const settleId = jobIds.settle(ref(PAYMENT_CHAIN, 1n, 23n));
    const refundId = jobIds.refund(ref(PAYMENT_CHAIN, 2n, 24n));
    const settle2 = jobIds.settle(ref(PAYMENT_CHAIN, 2n, 24n));
    expect(await jobs.create(confirmed(settleId, "settle", 1n, 23n))).toBe("created");
    expect(await jobs.create(confirmed(refundId, "refund", 2n, 24n))).toBe("created");
    expect(await jobs.create(confirmed(settle2, "settle", 2n, 24n))).toBe("created");

    const refund = await sweepSettlement(w, "refund");
    expect(refund.failures).toEqual([]);
    expect(refund.jobs).toEqual([
      { chainId: PAYMENT_CHAIN, modelId: "2", epoch: "24", jobId: refundId, action: "re-armed" },
    ]);
    const settle = await sweepSettlement(w, "settle");
    expect(settle.jobs).toEqual([
      { chainId: PAYMENT_CHAIN, modelId: "1", epoch: "23", jobId: settleId, action: "re-armed" },
      { chainId: PAYMENT_CHAIN, modelId: "2", epoch: "24", jobId: settle2, action: "re-armed" },
    ]);
    for (const id of [settleId, refundId, settle2]) {
      expect(await jobs.get(id)).toMatchObject({ status: "finalized", attempts: 0 });
    }
    expect(queued).toEqual([refundId, settleId, settle2]);
    // A second pass before the relay got to them: queued again, never re-armed twice.
    expect((await sweepSettlement(w, "settle")).jobs.map((j) => j.action)).toEqual(["queued", "queued"]);
  });

  it("leaves a job that just confirmed alone: a read right after may not see its last transactions yet", async () => {
    const target = new FakeTarget(PAYMENT_CHAIN, {
      "1:23": { verdictApplied: true, refundsDone: true, released: true },
    });
    const payouts = new FakePayouts(2); // reads "open": the publishes are in a block this read does not see yet
    const { world: w, jobs, queued } = world([target], { payouts });
    const id = jobIds.settle(ref(PAYMENT_CHAIN, 1n, 23n));
    const job: Job = {
      id,
      kind: "settle",
      status: "confirmed",
      alreadyDone: false,
      confirmedAt: NOW - 10_000,
      version: 6,
      source: { chainId: PAYMENT_CHAIN, transaction: `0x${"ab".repeat(32)}`, block: 7n, blockHash: "0x01", index: 2 },
      destinationChainId: PAYMENT_CHAIN,
      transport: "wormhole",
      payload: "0x",
      epochRef: { modelId: 1n, epoch: 23n },
      attempts: 1,
      createdAt: NOW - 120_000,
      updatedAt: NOW - 10_000,
    };
    expect(await jobs.create(job)).toBe("created");
    expect((await sweepSettlement(w, "settle")).jobs).toEqual([]);
    expect(await jobs.get(id)).toEqual(job);
    expect(queued).toEqual([]);
    // Once it has been confirmed for the grace, the chain's word counts.
    expect((await sweepSettlement({ ...w, rearmConfirmedAfterMs: 5_000 }, "settle")).jobs.map((j) => j.action)).toEqual(
      ["re-armed"],
    );
  });
});
