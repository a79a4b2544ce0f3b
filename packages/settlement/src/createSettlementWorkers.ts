import type { JobWorkers } from "@slabridge/core";
import { RefundWorker } from "./RefundWorker.ts";
import type { SettlementWorkerOptions } from "./SettlementWorkerOptions.ts";
import { SettleWorker } from "./SettleWorker.ts";

/**
 * The refund and settle workers, keyed by the job kind they do, for `RelayEngineOptions.workers`.
 *
 * @example
 * const engine = new RelayEngine({ ...options, workers: createSettlementWorkers({ settlementTargets, payouts, clock }) });
 */
export function createSettlementWorkers(options: SettlementWorkerOptions): Required<JobWorkers> {
  return { refund: new RefundWorker(options), settle: new SettleWorker(options) };
}
