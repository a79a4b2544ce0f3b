import { Logger } from "@aws-lambda-powertools/logger";
import {
  SettlementSweepIncompleteError,
  type SettlementSweepResult,
  type SettlementSweepWorld,
  sweepSettlement,
} from "@slabridge/settlement";
import { worldFromEnv } from "./context/worldFromEnv.ts";

const logger = new Logger({ serviceName: "slabridge-settlement" });

/**
 * Settle schedule, the safety net under the watchers: every recent ended epoch whose verdict a payment chain applied
 * but whose remainder is not released gets its settle job (created if a watcher missed it, deterministic id) put on
 * the relay queue; the relay worker refunds what is left, releases and publishes the payouts. Throws after the
 * pass when a chain could not be read, so the schedule retries; the rest of the pass is kept.
 *
 * @example export const handler = createSettleSweepHandler(async () => world); // local runtime
 */
export function createSettleSweepHandler(getWorld: () => Promise<SettlementSweepWorld>) {
  return async (_event?: unknown): Promise<SettlementSweepResult> => {
    const result = await sweepSettlement(await getWorld(), "settle");
    logger.info("settle sweep", { ...result });
    if (result.failures.length > 0) {
      throw new SettlementSweepIncompleteError(result);
    }
    return result;
  };
}

export const handler = createSettleSweepHandler(() => worldFromEnv());
