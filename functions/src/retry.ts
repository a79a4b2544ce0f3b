import { Logger } from "@aws-lambda-powertools/logger";
import type { RelayWorld } from "./context/buildRelayWorld.ts";
import { worldFromEnv } from "./context/worldFromEnv.ts";

const logger = new Logger({ serviceName: "slabridge-retry" });

/**
 * Retry schedule: failed jobs whose backoff has elapsed go back to work and onto the relay queue; jobs that cannot
 * be retried are dead-lettered with their reason.
 *
 * @example export const handler = createRetryHandler(() => world);
 */
export function createRetryHandler(getWorld: () => Promise<RelayWorld>) {
  return async (): Promise<{ retried: number }> => {
    const world = await getWorld();
    const retried = await world.engine.retryDue();
    logger.info("retry sweep", { retried: retried.length });
    return { retried: retried.length };
  };
}

export const handler = createRetryHandler(() => worldFromEnv());
