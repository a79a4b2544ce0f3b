import type { Job, SettlementTarget } from "@slabridge/core";
import { MissingEpochRefError, MissingSettlementTargetError } from "./errors.ts";

/** The settlement target and (model, epoch) a refund or settle job works on. */
export interface JobSettlement {
  target: SettlementTarget;
  modelId: bigint;
  epoch: bigint;
}

/**
 * Finds where a refund or settle job's work happens: refunds and releases are on the payment chain, which is where
 * the job points (`destinationChainId`).
 *
 * @example const { target, modelId, epoch } = settlementOf(run.job, options.settlementTargets);
 */
export function settlementOf(job: Job, targets: ReadonlyMap<number, SettlementTarget>): JobSettlement {
  const epochRef = job.epochRef;
  if (!epochRef) throw new MissingEpochRefError(job.id);
  const target = targets.get(job.destinationChainId);
  if (!target) throw new MissingSettlementTargetError(job.destinationChainId);
  return { target, modelId: epochRef.modelId, epoch: epochRef.epoch };
}
