import { SlabridgeError } from "@slabridge/core";

/**
 * A refund or settle job names a payment chain without a settlement target (no escrow, or a Solana vault this
 * deployment cannot sign for): retrying cannot help, so the job is dead-lettered.
 *
 * @example throw new MissingSettlementTargetError(job.destinationChainId);
 */
export class MissingSettlementTargetError extends SlabridgeError {
  override readonly name = "MissingSettlementTargetError" as const;
  constructor(chainId: number) {
    super(`no settlement target for chain ${chainId}`, { retryable: false });
  }
}

/**
 * A refund or settle job without the (model, epoch) it works on: a malformed job, dead-lettered.
 *
 * @example if (!job.epochRef) throw new MissingEpochRefError(job.id);
 */
export class MissingEpochRefError extends SlabridgeError {
  override readonly name = "MissingEpochRefError" as const;
  constructor(jobId: string) {
    super(`job ${jobId} has no (model, epoch)`, { retryable: false });
  }
}
