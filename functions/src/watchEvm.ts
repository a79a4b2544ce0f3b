import type { RelayWorld } from "./context/buildRelayWorld.ts";
import { worldFromEnv } from "./context/worldFromEnv.ts";
import { createWatchHandler } from "./watch.ts";

/**
 * EVM watch schedule: the watch handler over the EVM chains (the deployment runs one watcher function per family).
 *
 * @example export const handler = createWatchEvmHandler(() => world);
 */
export function createWatchEvmHandler(getWorld: () => Promise<RelayWorld>) {
  return createWatchHandler(getWorld, { family: "evm" });
}

export const handler = createWatchEvmHandler(() => worldFromEnv());
