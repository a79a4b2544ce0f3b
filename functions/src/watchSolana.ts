import type { RelayWorld } from "./context/buildRelayWorld.ts";
import { worldFromEnv } from "./context/worldFromEnv.ts";
import { createWatchHandler } from "./watch.ts";

/**
 * Solana watch schedule: the watch handler over the Solana clusters (vault payments, receipt jobs per ended
 * epoch, the emitter's messages; the deployment runs one watcher function per family).
 *
 * @example export const handler = createWatchSolanaHandler(() => world);
 */
export function createWatchSolanaHandler(getWorld: () => Promise<RelayWorld>) {
  return createWatchHandler(getWorld, { family: "solana" });
}

export const handler = createWatchSolanaHandler(() => worldFromEnv());
