import { Logger } from "@aws-lambda-powertools/logger";
import { SOLANA_CHAIN_ID } from "@slabridge/core";
import type { RelayWorld } from "./context/buildRelayWorld.ts";
import { type WatchSolanaResult, watchSolanaVault } from "./context/watchSolanaVault.ts";
import { worldFromEnv } from "./context/worldFromEnv.ts";

const logger = new Logger({ serviceName: "slabridge-watch-solana" });

/**
 * Solana watch schedule: records the vault's new payments (finalized) for receipt batches, refunds and the status
 * API. Resumes from its cursor, so downtime is backfilled on the next run.
 *
 * @example export const handler = createWatchSolanaHandler(() => world, rpcUrl);
 */
export function createWatchSolanaHandler(getWorld: () => Promise<RelayWorld>, rpcUrlOf: (world: RelayWorld) => string) {
  return async (): Promise<WatchSolanaResult> => {
    const world = await getWorld();
    const result = await watchSolanaVault({
      manifest: world.manifest,
      rpcUrl: rpcUrlOf(world),
      payments: world.stores.payments,
      cursors: world.stores.cursors,
      clock: world.clock,
    });
    logger.info("solana watch pass", { ...result });
    return result;
  };
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
