import { type Job, type JobKind, type JobStatus, type MessageRef, scrubSecrets } from "@slabridge/core";

/** A job as the status API shows it (bigints become decimal strings in the JSON body). */
export interface JobView {
  readonly id: string;
  readonly kind: JobKind;
  readonly status: JobStatus;
  readonly attempts: number;
  readonly transport: string;
  readonly source: { readonly chainId: number; readonly transaction: string; readonly block: bigint };
  readonly destinationChainId: number;
  readonly epochRef?: { readonly modelId: bigint; readonly epoch: bigint };
  readonly messageRef?: MessageRef;
  /** failed / dead-lettered: why (scrubbed of secrets). */
  readonly reason?: string;
  readonly retryable?: boolean;
  /** failed: when the next attempt may start (ISO time). */
  readonly nextAttemptAt?: string;
  readonly deadLetteredAt?: string;
  /** submitted / confirmed: the destination transaction this bot sent. */
  readonly destinationTransaction?: string;
  /** confirmed: the destination already had the effect. */
  readonly alreadyDone?: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/**
 * The public view of a job: its state, where it came from and goes, the message it carries, and for failed or
 * dead-lettered jobs the reason (never its payload bytes).
 *
 * @example const view = toJobView(await jobs.get(id));
 */
export function toJobView(job: Job): JobView {
  const iso = (ms: number) => new Date(ms).toISOString();
  const base = {
    id: job.id,
    kind: job.kind,
    status: job.status,
    attempts: job.attempts,
    transport: job.transport,
    source: { chainId: job.source.chainId, transaction: job.source.transaction, block: job.source.block },
    destinationChainId: job.destinationChainId,
    ...(job.epochRef ? { epochRef: job.epochRef } : {}),
    ...(job.messageRef ? { messageRef: job.messageRef } : {}),
    createdAt: iso(job.createdAt),
    updatedAt: iso(job.updatedAt),
  };
  switch (job.status) {
    case "failed":
      return {
        ...base,
        reason: scrubSecrets(job.reason),
        retryable: job.retryable,
        nextAttemptAt: iso(job.nextAttemptAt),
      };
    case "dead-lettered":
      return { ...base, reason: scrubSecrets(job.reason), deadLetteredAt: iso(job.deadLetteredAt) };
    case "submitted": {
      // A settle job's payout claim shows the release it sent, if any.
      const transaction = job.destinationTransaction ?? job.payoutClaim?.release;
      return { ...base, ...(transaction ? { destinationTransaction: transaction } : {}) };
    }
    case "confirmed":
      return {
        ...base,
        alreadyDone: job.alreadyDone,
        ...(job.destinationTransaction ? { destinationTransaction: job.destinationTransaction } : {}),
      };
    case "observed":
    case "finalized":
      return base;
  }
}
