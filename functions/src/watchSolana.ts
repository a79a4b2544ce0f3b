import { Logger } from "@aws-lambda-powertools/logger";
import { type Job, jobIds, SOLANA_CHAIN_ID } from "@slabridge/core";
import type { RelayWorld } from "./context/buildRelayWorld.ts";
import { type WatchSolanaEmitterResult, watchSolanaEmitter } from "./context/watchSolanaEmitter.ts";
import { type WatchSolanaResult, watchSolanaVault } from "./context/watchSolanaVault.ts";
import { worldFromEnv } from "./context/worldFromEnv.ts";

const logger = new Logger({ serviceName: "slabridge-watch-solana" });

/** What one Solana watch run did. */
export interface WatchSolanaRunResult {
  vault: WatchSolanaResult;
  receiptJobs: number;
  emitter: WatchSolanaEmitterResult;
}

/**
 * Solana watch schedule: (1) records the vault's new payments (finalized); (2) creates a relay-receipts job per
 * model per ended epoch (the Solana -> home ReceiptBatch route, over Wormhole); (3) scans slabridge's Solana
 * emitter on the guardian API and creates a deliver-message job per new VAA. Every step resumes from its cursor and
 * job ids are deterministic, so downtime is backfilled and a duplicate run creates nothing twice.
 *
 * @example export const handler = createWatchSolanaHandler(() => world, rpcUrl);
 */
export function createWatchSolanaHandler(getWorld: () => Promise<RelayWorld>, rpcUrlOf: (world: RelayWorld) => string) {
  return async (): Promise<WatchSolanaRunResult> => {
    const world = await getWorld();
    const vault = await watchSolanaVault({
      manifest: world.manifest,
      rpcUrl: rpcUrlOf(world),
      payments: world.stores.payments,
      cursors: world.stores.cursors,
      clock: world.clock,
    });
    const receiptJobs = await createSolanaReceiptJobs(world);
    const emitter = await watchSolanaEmitter(world);
    logger.info("solana watch pass", {
      ...vault,
      receiptJobs,
      emitter: { ...emitter, nextSequence: `${emitter.nextSequence}` },
    });
    return { vault, receiptJobs, emitter };
  };
}

/** One relay-receipts job per model per ended epoch since the last pass (cursor: last epoch handled), by wall clock. */
async function createSolanaReceiptJobs(world: RelayWorld): Promise<number> {
  const solana = world.manifest.solana;
  if (!solana) return 0;
  const route = world.config.routes.find(
    (r) => r.source === solana.chainId && r.destination === world.manifest.homeChainId && r.kind === "ReceiptBatch",
  );
  if (!route) return 0;
  const now = world.clock.now();
  const nowSeconds = BigInt(Math.floor(now / 1000));
  let created = 0;
  for (const model of world.manifest.models) {
    if (nowSeconds < BigInt(model.genesis)) continue;
    const current = (nowSeconds - BigInt(model.genesis)) / BigInt(model.epochSeconds);
    const cursorId = `solana:epochs:${model.modelId}`;
    const cursor = await world.stores.cursors.get(cursorId);
    const first = cursor ? cursor.block + 1n : current > 0n ? current - 1n : 0n;
    for (let epoch = first; epoch < current; epoch++) {
      const job: Job = {
        id: jobIds.relayReceipts({ chainId: solana.chainId, modelId: BigInt(model.modelId), epoch }),
        kind: "relay-receipts",
        status: "observed",
        version: 1,
        source: {
          chainId: solana.chainId,
          transaction: `epoch-end:${model.modelId}:${epoch}`,
          block: 0n,
          blockHash: "wall-clock",
          index: 0,
        },
        destinationChainId: world.manifest.homeChainId,
        transport: route.transport,
        payload: "0x",
        epochRef: { modelId: BigInt(model.modelId), epoch },
        attempts: 0,
        createdAt: now,
        updatedAt: now,
      };
      if ((await world.engine.ingest(job)) === "created") created++;
    }
    if (current > first) {
      await world.stores.cursors.advance(
        { id: cursorId, block: current - 1n, blockHash: "wall-clock", version: (cursor?.version ?? 0) + 1 },
        cursor?.version,
      );
    }
  }
  return created;
}

export const handler = createWatchSolanaHandler(
  () => worldFromEnv(),
  (world) => {
    const chain = world.config.chains.find((c) => c.chainId === SOLANA_CHAIN_ID);
    if (chain && "url" in chain.rpcUrl) return chain.rpcUrl.url;
    const secret = chain && "secret" in chain.rpcUrl ? process.env[`SST_RESOURCE_${chain.rpcUrl.secret}`] : undefined;
    if (secret) return (JSON.parse(secret) as { value: string }).value;
    return world.manifest.solana?.rpcUrl ?? "";
  },
);
