import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { type ChainAdapter, type ChainFamilyName, type ChainWatchResult, SlabridgeError } from "@slabridge/core";
import type { RelayWorld } from "./context/buildRelayWorld.ts";
import { worldFromEnv } from "./context/worldFromEnv.ts";

const logger = new Logger({ serviceName: "slabridge-watch" });

/** A watch pass failed on some chains (the others' results are kept and logged); the schedule retries. */
export class WatchFailedError extends SlabridgeError {
  override readonly name = "WatchFailedError" as const;
  constructor(readonly chains: readonly string[]) {
    super(`watch failed on ${chains.join(", ")}`, { retryable: true });
  }
}

/** What one watch run did: each chain's pass, and the chains whose pass failed. JSON-safe. */
export interface WatchRunResult {
  results: ChainWatchResult[];
  failed: string[];
}

/** Which chains a watch handler runs over (all of them by default). */
export interface WatchHandlerOptions {
  /** Only the chains of this family: the deployment runs one watcher function per family. */
  family?: ChainFamilyName;
}

/**
 * Watch schedule: one pass per chain adapter (chains in parallel; one chain's failure does not stop the others and
 * is retried by the schedule). Each pass resumes from its cursors, so downtime is backfilled on the next run.
 *
 * @example export const handler = createWatchHandler(() => worldFromEnv());
 */
export function createWatchHandler(getWorld: () => Promise<RelayWorld>, options: WatchHandlerOptions = {}) {
  // The stage is a dimension so the stacks' balance alarms see one stage (STAGE is set on every function).
  const stage = process.env.STAGE;
  const metrics = new Metrics({
    namespace: "slabridge",
    serviceName: "slabridge-watch",
    ...(stage ? { defaultDimensions: { stage } } : {}),
  });
  return async (): Promise<WatchRunResult> => {
    const world = await getWorld();
    const chains = [...world.chains.values()].filter(
      (chain) => options.family === undefined || chain.family === options.family,
    );
    const settled = await Promise.allSettled(chains.map((chain) => chain.watch()));
    const results: ChainWatchResult[] = [];
    const failed: string[] = [];
    settled.forEach((outcome, i) => {
      const name = chains[i]?.name ?? String(i);
      if (outcome.status === "fulfilled") results.push(outcome.value);
      else {
        failed.push(name);
        logger.error("watch pass failed", { chain: name, error: outcome.reason });
      }
    });
    await emitSignerBalances(chains, metrics);
    logger.info("watch pass", { results });
    if (failed.length > 0) throw new WatchFailedError(failed); // the schedule retries
    return { results, failed };
  };
}

/**
 * `SignerBalance` per fee-paying key and chain (dimensions `signer` = its role, `chain` = the chain's name), which the
 * stacks alarm on below a floor. A balance that cannot be read is logged and skipped: the alarm's missing data is the
 * signal then, and the watch pass itself must not fail over it.
 */
async function emitSignerBalances(chains: readonly ChainAdapter[], metrics: Metrics): Promise<void> {
  await Promise.all(
    chains.map(async (chain) => {
      if (!chain.signerBalances) return;
      try {
        for (const { role, balance } of await chain.signerBalances()) {
          const metric = metrics.singleMetric();
          metric.addDimensions({ signer: role, chain: chain.name });
          metric.addMetric("SignerBalance", MetricUnit.NoUnit, balance);
        }
      } catch (error) {
        logger.warn("signer balances not read", { chain: chain.name, error: error as Error });
      }
    }),
  );
}

export const handler = createWatchHandler(() => worldFromEnv());
