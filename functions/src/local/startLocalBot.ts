import type { StageConfig } from "@slabridge/core";
import { manifestRpcUrlOf } from "@slabridge/core";
import type { Devnet } from "@slabridge/devnet";
import { devnetChainsOf, guardianReceiptPublisher } from "@slabridge/devnet";
import { nodeHttpFetch } from "@slabridge/evm";
import {
  type BlobStore,
  type MeasureWorld,
  MemoryBlobStore,
  type ProbeRoutes,
  type ProberWorld,
} from "@slabridge/measuring";
import { LocalRuntime, type RuntimeErrorReport } from "@slabridge/runtime";
import { solanaOperatorSigners } from "@slabridge/solana";
import { createStores } from "@slabridge/store";
import { queues } from "@slabridge/topology";
import { Connection, LAMPORTS_PER_SOL } from "@solana/web3.js";
import { createTestClient, http } from "viem";
import { buildRelayWorld, type RelayWorld } from "../context/buildRelayWorld.ts";
import { devnetKmsClient } from "../context/createKmsClient.ts";
import { buildMeasureWorld } from "../context/measuring/buildMeasureWorld.ts";
import type { ProbePaidCall } from "../context/measuring/buildProbePayer.ts";
import { buildProberWorld } from "../context/measuring/buildProberWorld.ts";
import { buildNettingWorld } from "../context/netting/buildNettingWorld.ts";
import { resolveRpcUrl } from "../context/resolveRpcUrl.ts";
import { createEvaluateHandler } from "../evaluate.ts";
import { createNetHandler } from "../net.ts";
import { createProbeHandler } from "../probe.ts";
import { createProbeCoordinatorHandler } from "../probeCoordinator.ts";
import { createRefundSweepHandler } from "../refund.ts";
import { createRelayHandler } from "../relay.ts";
import { createRetryHandler } from "../retry.ts";
import { createSettleSweepHandler } from "../settle.ts";
import { createWatchEvmHandler } from "../watchEvm.ts";
import { createWatchSolanaHandler } from "../watchSolana.ts";
import { registerDeployedFunctions } from "./registerDeployedFunctions.ts";

/** Options of {@link startLocalBot}. */
export interface LocalBotOptions {
  devnet: Devnet;
  config: StageConfig;
  /** Every failure the runtime absorbed (a handler threw, a batch item failed): the main job counts and shows them. */
  onError?: (report: RuntimeErrorReport) => void;
  /**
   * Period of the watch schedules, in ms (default: the config's poll interval); the devnet makes a block every half
   * period.
   */
  watchPeriodMs?: number;
  /** Models the coordinator sends the probers to through their gateway (pay per call: the local gateways). */
  probeRoutes?: ProbeRoutes;
  /** Told about every paid probe call's channel. */
  onProbePaid?: (call: ProbePaidCall) => void;
}

/** The bot running locally: its runtime (functions, queues, schedules) and the world its handlers share. */
export interface LocalBot {
  runtime: LocalRuntime;
  world: RelayWorld;
  stores: ReturnType<typeof createStores>;
  /** The evaluator's published evidence bundles (the status API shows each epoch's, read only). */
  evidence: Pick<BlobStore, "resolve" | "get">;
  stop(): Promise<void>;
}

/**
 * Runs slabridge's Lambda handlers against a running devnet, as AWS would run them: the relay function consumes an
 * SQS-like queue (partial batch responses, redelivery, a dead-letter queue), the watchers and the retry sweep run on
 * EventBridge-style schedules with retries, and everything shares one world built from the devnet's manifest and
 * the stage config, like a warm Lambda container. Local anvils mine only when sent a transaction; real chains
 * keep producing blocks (which confirmations count), so the bot also asks each anvil for a block every period.
 *
 * @example
 * const bot = await startLocalBot({ devnet, config: parseStageConfig(devnetConfigJson) });
 * // ... buyers pay, the bot relays, refunds and pays out ...
 * await bot.stop();
 */
export async function startLocalBot(options: LocalBotOptions): Promise<LocalBot> {
  const { devnet, config } = options;
  const { manifest } = devnet;
  const { solana } = devnetChainsOf(manifest);
  const periodMs = options.watchPeriodMs ?? config.watch.pollIntervalSeconds * 1_000;
  const stores = createStores({
    endpoint: manifest.dynamo.endpoint ?? "",
    region: "us-east-1",
    tableNames: devnet.dynamo.tableNames,
  });
  const runtime = new LocalRuntime({
    ...(options.onError ? { onError: options.onError } : {}),
    scheduleRetryBaseDelayMs: 250,
    asyncRetryDelaysMs: [250, 500],
  });
  const rpcUrls = new Map(config.chains.map((chain) => [chain.chainId, resolveRpcUrl(chain, manifest)]));
  // The manifest's kms keys sign through the devnet's KMS stand-in, as they sign through AWS KMS in a Lambda.
  const kms = devnetKmsClient(devnet);
  const world = buildRelayWorld({
    manifest,
    config,
    stores,
    rpcUrls,
    ...(kms ? { kms } : {}),
    enqueue: async (jobId) => {
      runtime.queue(queues.relay.name).send(JSON.stringify({ jobId }));
    },
    enqueueAfter: async (jobId, delaySeconds) => {
      runtime.queue(queues.relay.name).send(JSON.stringify({ jobId }), { delaySeconds });
    },
    ...(solana ? { solanaPublisher: guardianReceiptPublisher(devnet.guardian, solana.wormholeEmitter) } : {}),
  });
  const getWorld = async () => world;

  // Netting once an epoch is paid out everywhere: vaults pay payees on their chains, only the net crosses chains.
  const netting = buildNettingWorld(world);
  const watchesSolana = solana !== undefined && config.chains.some((chain) => chain.chainId === solana.chainId);

  // Measuring: a prober function per vantage point (invoked by the coordinator over the Lambda Invoke API), the
  // coordinator and the evaluator on their schedules. Their world needs the invoke server's URL, which exists once
  // the runtime started, so it is built lazily.
  const probing = config.probing;
  let measure: MeasureWorld | undefined;
  const getMeasure = async () => {
    if (!measure) throw new Error("the measuring world is built when the runtime starts");
    return measure;
  };
  const samples = stores.samples;
  if (probing && !samples) throw new Error("the devnet has no samples table");
  // Report evidence, shared by the evaluator (publishes) and the probers (recompute before co-signing).
  const blobs = new MemoryBlobStore();
  // One world per vantage point, like a warm prober container: its payer keeps its channels between rounds.
  const proberWorlds = new Map<string, ProberWorld>();
  const proberWorldOf = (vantage: string): ProberWorld => {
    let built = proberWorlds.get(vantage);
    if (!built) {
      if (!samples) throw new Error("the devnet has no samples table");
      built = buildProberWorld({
        manifest,
        config,
        vantage,
        samples,
        blobs,
        homeRpcUrl: rpcUrls.get(manifest.homeChainId) ?? "",
        rpcUrls,
        clock: world.clock,
        kms,
        ...(options.onProbePaid ? { onPaid: options.onProbePaid } : {}),
      });
      proberWorlds.set(vantage, built);
    }
    return built;
  };

  // Every deployed function, queue and schedule, declared from @slabridge/topology as the stacks declare them.
  registerDeployedFunctions(
    runtime,
    {
      watchEvm: createWatchEvmHandler(getWorld),
      ...(watchesSolana ? { watchSolana: createWatchSolanaHandler(getWorld) } : {}),
      relay: createRelayHandler(getWorld, {
        idempotency: { tableName: devnet.dynamo.tableNames.idempotency, client: stores.client },
      }),
      retry: createRetryHandler(getWorld),
      // Safety nets behind the watchers: refund/settle jobs for every applied verdict, whatever the watchers missed.
      refund: createRefundSweepHandler(getWorld),
      settle: createSettleSweepHandler(getWorld),
      net: createNetHandler(async () => netting),
      ...(probing && samples
        ? {
            prober: probing.vantagePoints.map((vantage) => ({
              name: vantage.functionName,
              handler: createProbeHandler(async () => proberWorldOf(vantage.name), vantage.name),
            })),
            probeCoordinator: createProbeCoordinatorHandler(getMeasure),
            evaluate: createEvaluateHandler(getMeasure),
          }
        : {}),
    },
    { periods: { watch: periodMs / 1_000, probe: probing?.periodSeconds ?? 0 }, maxConcurrency: 2 },
  );

  // The vault's first operator pays the fees of vault transfers (refunds, payouts): an operator funds it once.
  const feePayer = solana ? solanaOperatorSigners(solana, { kms })?.[0] : undefined;
  if (solana && feePayer) {
    const connection = new Connection(manifestRpcUrlOf(solana), "confirmed");
    await connection.confirmTransaction(await connection.requestAirdrop(feePayer.publicKey, 10 * LAMPORTS_PER_SOL));
  }

  await runtime.start();
  if (probing && stores.samples) {
    measure = buildMeasureWorld({
      manifest,
      config,
      stores: { samples: stores.samples, nonces: stores.nonces, usageReceipts: stores.usageReceipts },
      blobs,
      rpcUrls,
      lambdaEndpoint: runtime.server.url,
      kms,
      ...(options.probeRoutes ? { probeRoutes: options.probeRoutes } : {}),
    });
  }
  const miners = devnetChainsOf(manifest).evm.map((chain) =>
    createTestClient({ mode: "anvil", transport: http(chain.rpcUrl, { retryCount: 0, fetchFn: nodeHttpFetch }) }),
  );
  // Twice a watch period: a message's confirmation block then comes half a period after it, not a whole one.
  const blocks = setInterval(() => {
    for (const miner of miners) {
      miner.mine({ blocks: 1 }).catch(() => {
        // the chain is stopping; the next tick or stop() ends this
      });
    }
  }, periodMs / 2);
  blocks.unref();

  let stopped = false;
  return {
    runtime,
    world,
    stores,
    evidence: blobs,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(blocks);
      await runtime.stop();
      stores.destroy();
    },
  };
}
