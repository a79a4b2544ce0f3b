// @slabridge/settlement: the refund and settle jobs' work, as workers the relay engine dispatches to, and the sweeps
// that make sure every due job exists and is queued.

export { createSettlementWorkers } from "./createSettlementWorkers.ts";
export { MissingEpochRefError, MissingSettlementTargetError } from "./errors.ts";
export { PayoutsClaimedError } from "./PayoutsClaimedError.ts";
export { RefundWorker } from "./RefundWorker.ts";
export type { SettlementWorkerOptions } from "./SettlementWorkerOptions.ts";
export { SettleWorker } from "./SettleWorker.ts";
export {
  DEFAULT_REARM_CONFIRMED_AFTER_MS,
  DEFAULT_SWEEP_LOOKBACK_EPOCHS,
  SettlementSweepIncompleteError,
  type SettlementSweepKind,
  type SettlementSweepResult,
  type SettlementSweepWorld,
  SweepChainMissingError,
  type SweepFailure,
  type SweptJob,
  sweepSettlement,
} from "./sweepSettlement.ts";
