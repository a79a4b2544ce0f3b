import { Logger } from "@aws-lambda-powertools/logger";
import { evmChainsOf } from "@slabridge/evm";
import type { RelayWorld } from "./context/buildRelayWorld.ts";
import { type WatchEvmResult, watchEvmChain } from "./context/watchEvmChain.ts";
import { worldFromEnv } from "./context/worldFromEnv.ts";

const logger = new Logger({ serviceName: "slabridge-watch-evm" });

/**
 * EVM watch schedule: one pass per chain (chains in parallel; one chain's failure does not stop the others and is
 * retried by the schedule). Each pass resumes from its cursor, so downtime is backfilled on the next run.
 *
 * @example export const handler = createWatchEvmHandler(() => world);
 */
export function createWatchEvmHandler(getWorld: () => Promise<RelayWorld>) {
  return async (): Promise<{ results: WatchEvmResult[]; failed: string[] }> => {
    const world = await getWorld();
    const settled = await Promise.allSettled(evmChainsOf(world.manifest).map((chain) => watchEvmChain(world, chain)));
    const results: WatchEvmResult[] = [];
    const failed: string[] = [];
    settled.forEach((outcome, i) => {
      const name = evmChainsOf(world.manifest)[i]?.name ?? String(i);
      if (outcome.status === "fulfilled") results.push(outcome.value);
      else {
        failed.push(name);
        logger.error("watch pass failed", { chain: name, error: outcome.reason as Error });
      }
    });
    logger.info("watch pass", { results: results.map((r) => ({ ...r, reorg: r.reorg?.toString() })) });
    if (failed.length > 0) throw new Error(`watch failed on ${failed.join(", ")}`); // the schedule retries
    return { results, failed };
  };
}

export const handler = createWatchEvmHandler(() => worldFromEnv());
