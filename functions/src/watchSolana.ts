import { Logger } from "@aws-lambda-powertools/logger";
import { SOLANA_CHAIN_ID } from "@slabridge/core";
import { solanaChainsOf } from "@slabridge/solana";
import type { RelayWorld } from "./context/buildRelayWorld.ts";
import { createEpochReceiptJobs } from "./context/createEpochReceiptJobs.ts";
import { resolveRpcUrl } from "./context/resolveRpcUrl.ts";
import { type WatchSolanaEmitterResult, watchSolanaEmitter } from "./context/watchSolanaEmitter.ts";
import { type WatchSolanaResult, watchSolanaVault } from "./context/watchSolanaVault.ts";
import { worldFromEnv } from "./context/worldFromEnv.ts";

const logger = new Logger({ serviceName: "slabridge-watch-solana" });

/** What one Solana watch run did (JSON-safe: a Lambda result is serialized, and JSON has no bigint). */
export interface WatchSolanaRunResult {
  vault: WatchSolanaResult;
  receiptJobs: number;
  emitter: Omit<WatchSolanaEmitterResult, "nextSequence"> & { nextSequence: string };
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
    const result = { vault, receiptJobs, emitter: { ...emitter, nextSequence: `${emitter.nextSequence}` } };
    logger.info("solana watch pass", { ...vault, receiptJobs, emitter: result.emitter });
    return result;
  };
}

/** Solana has no escrow clock to read: its epochs end by wall time (its blockTime follows wall time). */
function createSolanaReceiptJobs(world: RelayWorld): Promise<number> {
  const solana = solanaChainsOf(world.manifest)[0];
  if (!solana) return Promise.resolve(0);
  return createEpochReceiptJobs(world, {
    chainId: solana.chainId,
    nowSeconds: BigInt(Math.floor(world.clock.now() / 1000)),
    block: 0n,
    blockHash: "wall-clock",
  });
}

export const handler = createWatchSolanaHandler(
  () => worldFromEnv(),
  (world) => {
    const chain = world.config.chains.find((c) => c.chainId === SOLANA_CHAIN_ID);
    if (!chain) throw new Error("the stage config has no Solana chain");
    return resolveRpcUrl(chain, world.manifest);
  },
);
