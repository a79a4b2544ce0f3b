// @slabridge/settlement: the refund and settle jobs' work, as workers the relay engine dispatches to.

export { createSettlementWorkers } from "./createSettlementWorkers.ts";
export { MissingEpochRefError, MissingSettlementTargetError } from "./errors.ts";
export { PayoutsClaimedError } from "./PayoutsClaimedError.ts";
export { RefundWorker } from "./RefundWorker.ts";
export type { SettlementWorkerOptions } from "./SettlementWorkerOptions.ts";
export { SettleWorker } from "./SettleWorker.ts";
