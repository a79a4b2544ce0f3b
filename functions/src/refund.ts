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
 * Refund schedule, the safety net under the watchers: every recent ended epoch whose verdict a payment chain applied
 * but whose refunds are not done gets its refund job (created if a watcher missed it, deterministic id) put on the
 * relay queue; the relay worker moves the money. Throws after the pass when a chain could not be read, so the
 * schedule retries; the rest of the pass is kept.
 *
 * @example export const handler = createRefundSweepHandler(async () => world); // local runtime
 */
export function createRefundSweepHandler(getWorld: () => Promise<SettlementSweepWorld>) {
  return async (_event?: unknown): Promise<SettlementSweepResult> => {
    const result = await sweepSettlement(await getWorld(), "refund");
    logger.info("refund sweep", { ...result });
    if (result.failures.length > 0) {
      throw new SettlementSweepIncompleteError(result);
    }
    return result;
  };
}

export const handler = createRefundSweepHandler(() => worldFromEnv());
