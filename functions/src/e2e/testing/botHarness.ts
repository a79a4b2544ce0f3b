import {
  type Clock,
  checkConservation,
  type DeploymentManifest,
  type Job,
  jobIds,
  manifestRpcUrlOf,
  SlabridgeError,
  type StageConfig,
} from "@slabridge/core";
import { guardianReceiptPublisher, type StartDevnetOptions, startDevnet } from "@slabridge/devnet";
import { DevnetScenario, type DevnetStageOptions, type EpochOnChain } from "@slabridge/devnet/testing";
import { readStablecoinLedger } from "@slabridge/evm";
import { LocalRuntime, QueueConsumer } from "@slabridge/runtime";
import { readSolanaStablecoinSupply, type SolanaReceiptPublisher, watchSolanaVault } from "@slabridge/solana";
import { createStores, type DynamoStores, MemoryJobStore } from "@slabridge/store";
import type { Address } from "viem";
import { afterAll, beforeAll } from "vitest";
import { buildRelayWorld, type RelayStores, type RelayWorld } from "../../context/buildRelayWorld.ts";
import { devnetKmsClient } from "../../context/createKmsClient.ts";
import { createRelayHandler } from "../../relay.ts";
import { createRetryHandler } from "../../retry.ts";
import { createWatchEvmHandler } from "../../watchEvm.ts";
import { createWatchSolanaHandler } from "../../watchSolana.ts";

export { epochEndMs, InvalidNettingRoundError, NettingVaultNotReadyError } from "@slabridge/core";
export { guardianReceiptPublisher } from "@slabridge/devnet";
export { EvmNettingVault, readRoundReleases } from "@slabridge/evm";
export type { MeasureWorld } from "@slabridge/measuring";
export { readNetRoundOutcome, runNettingRound } from "@slabridge/netting";
export type { SolanaReceiptPublisher, SolanaSettlementReader } from "@slabridge/solana";
// The e2e tests reach functions/src/context only through this file: what they use of it is re-exported here, so a
// move of those modules into packages is one edit.
export type { RelayStores, RelayWorld } from "../../context/buildRelayWorld.ts";
export { buildMeasureWorld } from "../../context/measuring/buildMeasureWorld.ts";
export { buildNettingWorld } from "../../context/netting/buildNettingWorld.ts";
export { buildStatusWorld } from "../../context/status/buildStatusWorld.ts";
export { type LocalStatusServer, startLocalStatusServer } from "../../local/startLocalStatusServer.ts";

/** Options of {@link BotHarness}. */
export interface BotHarnessOptions {
  /** How to start the devnet (epoch length, demo hosts). */
  devnet: StartDevnetOptions;
  /** The bot's stage config: quick devnet defaults around these routes, or a config the test builds itself. */
  stage: DevnetStageOptions | ((scenario: DevnetScenario) => StageConfig);
  /** Receives of one relay-queue message before it goes to the dead-letter queue (default 5). */
  maxReceiveCount?: number;
}

/** Options of {@link BotHarness.world}: what a test changes of the world a fresh container would build. */
export interface HarnessWorldOptions {
  /** Another stage config than the harness's. */
  config?: StageConfig;
  /** Another manifest of the same devnet than the one it wrote (e.g. the one `npm run deploy` wrote). */
  manifest?: DeploymentManifest;
  /** Stores that replace the harness's DynamoDB ones (an amnesiac job store, a lost cursor table). */
  stores?: Partial<RelayStores>;
  clock?: Clock;
  /**
   * Who publishes Solana receipt batches: the devnet guardian (default when the config lists Solana), a test's
   * own publisher, or nobody (as in AWS today).
   */
  solanaPublisher?: SolanaReceiptPublisher | "devnet" | "none";
  /** Whether new jobs go on the relay queue (default true). */
  enqueue?: boolean;
}

/** What became of one job replayed by {@link BotHarness.replayIntoEmptyStore}. */
export interface ReplayOutcome {
  id: string;
  result: string;
  status: Job["status"] | undefined;
  attempts: number | undefined;
  /** Confirmed because the chain showed the work done, with nothing sent. */
  alreadyDone: boolean;
}

/** Which watch passes {@link BotHarness.drive} runs each round. */
export type WatchPass = "evm" | "solana" | "solana-vault";

/** Options of {@link BotHarness.drive}. */
export interface DriveOptions {
  /** Default `["evm"]`; `"evm"` also mines a block on every anvil first, as real chains keep producing blocks. */
  watch?: readonly WatchPass[];
}

/**
 * The bot side of the devnet end-to-end tests: a devnet scenario, the DynamoDB stores and the local runtime's relay
 * queue, relay worlds built as a Lambda container builds them, and `drive` loops through the Lambda handlers (watch
 * passes, relay-queue drains, the retry schedule). One per test file; `start` in `beforeAll`, `stop` in `afterAll`.
 *
 * @example
 * const bot = new BotHarness({ devnet: { epochSeconds: 3 }, stage: { routes } });
 * beforeAll(() => bot.start(), 60_000);
 * afterAll(() => bot.stop());
 * it("relays", async () => {
 *   const w = bot.world();
 *   await bot.scenario.pay(31337, 1n, 0, 3n);
 *   await bot.drive(w, 4);
 * });
 */
export class BotHarness {
  readonly #options: BotHarnessOptions;
  #scenario: DevnetScenario | undefined;
  #stores: DynamoStores | undefined;
  #runtime: LocalRuntime | undefined;
  #config: StageConfig | undefined;

  constructor(options: BotHarnessOptions) {
    this.#options = options;
  }

  /** Starts the devnet, the stores (every devnet table) and the runtime with the relay queue and its DLQ. */
  async start(): Promise<void> {
    const devnet = await startDevnet({ signer: "anvil", ...this.#options.devnet });
    this.#scenario = new DevnetScenario(devnet);
    this.#stores = createStores({
      endpoint: devnet.manifest.dynamo.endpoint ?? "",
      region: "us-east-1",
      tableNames: devnet.dynamo.tableNames,
    });
    this.#runtime = new LocalRuntime();
    this.#runtime.addQueue("relay-dlq");
    this.#runtime.addQueue("relay", {
      visibilityTimeout: 60,
      maxReceiveCount: this.#options.maxReceiveCount ?? 5,
      dlq: "relay-dlq",
    });
    const { stage } = this.#options;
    this.#config = typeof stage === "function" ? stage(this.#scenario) : this.#scenario.stageConfig(stage);
  }

  /** Stops the runtime, the stores and the devnet; safe after a failed start. */
  async stop(): Promise<void> {
    await this.#runtime?.stop();
    this.#stores?.destroy();
    await this.#scenario?.devnet.stop();
  }

  get scenario(): DevnetScenario {
    return started(this.#scenario);
  }

  get stores(): DynamoStores {
    return started(this.#stores);
  }

  get runtime(): LocalRuntime {
    return started(this.#runtime);
  }

  get config(): StageConfig {
    return started(this.#config);
  }

  /** A relay world as a fresh Lambda container builds it, on the harness's stores and relay queue. */
  world(options: HarnessWorldOptions = {}): RelayWorld {
    const config = options.config ?? this.config;
    const { scenario } = this;
    const solana = config.chains.some((chain) => chain.chainId === scenario.solanaChainId);
    const publisher = options.solanaPublisher ?? (solana ? "devnet" : "none");
    const solanaPublisher =
      publisher === "devnet"
        ? guardianReceiptPublisher(scenario.devnet.guardian, scenario.solana.wormholeEmitter)
        : publisher;
    const enqueue = options.enqueue ?? true;
    // A devnet started with KMS keys: the world signs through its KMS stand-in, as the local runtime's does.
    const kms = devnetKmsClient(scenario.devnet);
    return buildRelayWorld({
      manifest: options.manifest ?? scenario.manifest,
      ...(kms ? { kms } : {}),
      config,
      stores: { ...this.stores, ...options.stores },
      rpcUrls: new Map(config.chains.map((chain) => [chain.chainId, scenario.rpcUrl(chain.chainId)])),
      enqueue: async (jobId) => {
        if (enqueue) this.send(jobId);
      },
      ...(options.clock ? { clock: options.clock } : {}),
      ...(solanaPublisher === "none" ? {} : { solanaPublisher }),
    });
  }

  /** Puts job ids on the relay queue (replays, duplicates). */
  send(...jobIds: string[]): void {
    for (const jobId of jobIds) this.runtime.queue("relay").send(JSON.stringify({ jobId }));
  }

  /** The jobs in one status. */
  jobsIn(status: Job["status"], limit = 100): Promise<Job[]> {
    return this.stores.jobs.listByStatus(status, { limit });
  }

  /**
   * Rounds of: watch passes, the relay queue drained through the relay handler (the runtime's SQS event source:
   * AWS-shaped batches, partial failures stay queued), a pause for backoffs (and the guardian), the retry schedule.
   */
  async drive(w: RelayWorld, rounds: number, options: DriveOptions = {}): Promise<void> {
    const watch = options.watch ?? ["evm"];
    const watchEvm = createWatchEvmHandler(async () => w);
    const watchSolana = createWatchSolanaHandler(async () => w);
    const retry = createRetryHandler(async () => w);
    for (let round = 0; round < rounds; round++) {
      if (watch.includes("evm")) {
        await this.scenario.mine();
        await watchEvm();
      }
      if (watch.includes("solana")) await watchSolana();
      if (watch.includes("solana-vault")) await this.watchSolanaVault(w);
      await this.#drainQueue(w);
      await sleep(150);
      await retry();
    }
  }

  /** {@link drive}s until `done` holds or `rounds` run out (`roundsPerCheck` drive rounds between checks). */
  async driveUntil(
    w: RelayWorld,
    done: () => Promise<boolean>,
    options: DriveOptions & { rounds?: number; roundsPerCheck?: number; pauseMs?: number } = {},
  ): Promise<void> {
    for (let pass = 0; pass < (options.rounds ?? 10); pass++) {
      await this.drive(w, options.roundsPerCheck ?? 1, options);
      if (await done()) return;
      if (options.pauseMs) await sleep(options.pauseMs);
    }
  }

  /** Drives until every settle job of the given epochs is confirmed and each of their payouts is paid. */
  async driveUntilPaidOut(w: RelayWorld, epochs: readonly EpochOnChain[]): Promise<void> {
    const paidOut = async (e: EpochOnChain) => {
      const job = await this.stores.jobs.get(jobIds.settle({ chainId: e.chainId, modelId: e.model, epoch: e.epoch }));
      const payees = await this.scenario.payeesOf(e.model, e.epoch);
      return job?.status === "confirmed" && (await this.scenario.paidOutLogs(e)).length >= payees.length;
    };
    await this.driveUntil(w, async () => (await Promise.all(epochs.map(paidOut))).every(Boolean), {
      rounds: 12,
      roundsPerCheck: 2,
    });
  }

  /** Drains the relay queue through the relay handler and runs the retry schedule, with no watch pass. */
  async drain(w: RelayWorld, rounds = 4): Promise<void> {
    const retry = createRetryHandler(async () => w);
    for (let round = 0; round < rounds; round++) {
      await this.#drainQueue(w);
      await sleep(150);
      await retry();
    }
  }

  /** One pass of the Solana vault scan (payments into the vault), as the watch-solana schedule runs it. */
  watchSolanaVault(w: RelayWorld) {
    return watchSolanaVault({
      solana: this.scenario.solana,
      manifest: w.manifest,
      rpcUrl: manifestRpcUrlOf(this.scenario.solana),
      payments: w.stores.payments,
      cursors: w.stores.cursors,
      clock: w.clock,
    });
  }

  /**
   * The stablecoin ledger of every chain (EVM supplies, transfers, OFT sends in flight; the Solana mint) and the
   * conservation check over it. `vaults` names each EVM chain's netting vault.
   */
  async conservation(vaults: ReadonlyMap<number, Address>) {
    const { scenario } = this;
    const { solana } = scenario;
    const ledger = await readStablecoinLedger(
      scenario.evmChains().map((c) => ({
        chainId: c.chainId,
        client: scenario.client(c.chainId),
        token: c.stablecoin.address,
        eid: c.layerZero.eid,
        roles: new Map([...vaults].filter(([chainId]) => chainId === c.chainId).map(([, a]) => [a, "vault"])),
      })),
      {
        solana: await readSolanaStablecoinSupply(
          scenario.connection,
          solana.chainId,
          solana.mint,
          new Map([[solana.vault, "vault"]]),
        ),
      },
    );
    return { ledger, report: checkConservation(ledger) };
  }

  /**
   * Ingests and processes jobs in a world whose job store is empty (a worker that forgot everything): settlement
   * jobs must find their work done on chain (`alreadyDone`) and send nothing.
   */
  async replayIntoEmptyStore(w: RelayWorld, jobs: readonly Job[]): Promise<ReplayOutcome[]> {
    const amnesiac = this.world({ stores: { jobs: new MemoryJobStore({ clock: w.clock }) } });
    const out: ReplayOutcome[] = [];
    for (const job of jobs) {
      await amnesiac.engine.ingest(job);
      const outcome = await amnesiac.engine.process(job.id);
      const after = outcome.result === "unknown-job" ? undefined : outcome.job;
      out.push({
        id: job.id,
        result: outcome.result,
        status: after?.status,
        attempts: after?.attempts,
        alreadyDone: after?.status === "confirmed" && after.alreadyDone === true,
      });
    }
    return out;
  }

  async #drainQueue(w: RelayWorld): Promise<void> {
    const relay = createRelayHandler(async () => w, {
      idempotency: { tableName: this.scenario.devnet.dynamo.tableNames.idempotency, client: this.stores.client },
    });
    const consumer = new QueueConsumer({ queue: this.runtime.queue("relay"), handler: relay, batchSize: 10 });
    while ((await consumer.pollOnce()) > 0) {}
  }
}

/**
 * A {@link BotHarness} for one test file: started before its tests, stopped after them.
 *
 * @example const bot = botHarnessForSuite({ devnet: { epochSeconds: 3 }, stage: { routes } });
 */
export function botHarnessForSuite(options: BotHarnessOptions, startTimeoutMs = 60_000): BotHarness {
  const bot = new BotHarness(options);
  beforeAll(() => bot.start(), startTimeoutMs);
  afterAll(() => bot.stop());
  return bot;
}

/**
 * A refund or settle job made by hand, as the watcher would make it from a verdict: for replays into an empty store
 * and for "the same job again" checks.
 *
 * @example await w.engine.ingest(settlementJob("settle", e, { transport: "layerzero", now: Date.now() }));
 */
export function settlementJob(
  kind: "refund" | "settle",
  e: EpochOnChain,
  options: { transport: Job["transport"]; now: number; sourceChainId?: number },
): Job {
  const ref = { chainId: e.chainId, modelId: e.model, epoch: e.epoch };
  return {
    id: kind === "refund" ? jobIds.refund(ref) : jobIds.settle(ref),
    kind,
    status: "observed",
    version: 1,
    source: { chainId: options.sourceChainId ?? e.chainId, transaction: "0x", block: 0n, blockHash: "0x", index: 0 },
    destinationChainId: e.chainId,
    transport: options.transport,
    payload: "0x",
    epochRef: { modelId: e.model, epoch: e.epoch },
    attempts: 0,
    createdAt: options.now,
    updatedAt: options.now,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** A harness getter was read before `start()` finished (or after it failed). */
class HarnessNotStartedError extends SlabridgeError {
  override readonly name = "HarnessNotStartedError" as const;

  constructor() {
    super("the bot harness is not started: call start() in beforeAll", { retryable: false });
  }
}

function started<T>(value: T | undefined): T {
  if (value === undefined) throw new HarnessNotStartedError();
  return value;
}
