/**
 * slabridge's queues, as plain data: the relay job queue with its redrive policy and the two dead-letter queues
 * (relay jobs, failed schedule events). The SST relay stack declares them in AWS and the local bot in its runtime,
 * both from these records, so visibility, batch size and receive count cannot differ between the two.
 *
 * @example
 * const { visibilityTimeoutSeconds, maxReceiveCount } = queues.relay; // 720, 5
 */
export interface QueueDescription {
  /** Component name in AWS (`sst.aws.Queue`), e.g. `RelayQueue`. */
  readonly name: string;
  /** Seconds a received message stays hidden before SQS delivers it again (SQS default 30). */
  readonly visibilityTimeoutSeconds?: number;
  /** Receives before a message moves to {@link QueueDescription.deadLetterQueue} (the redrive `maxReceiveCount`). */
  readonly maxReceiveCount?: number;
  /** The queue failed messages end in (a key of {@link queues}). */
  readonly deadLetterQueue?: QueueKey;
  /** Seconds messages are kept (SQS default 4 days). */
  readonly retentionSeconds?: number;
  /** The function consuming the queue in batches (an event source mapping), with partial batch responses. */
  readonly consumer?: { readonly batchSize: number; readonly partialResponses: boolean };
}

/** Relay worker timeout (see `deployedFunctions.relay`): one batch of up to 10 jobs, each a few RPC calls and a send. */
export const relayTimeoutSeconds = 120;

/** SQS maximum, so dead letters outlive the 4-day default retention of the queue they came from. */
const deadLetterRetentionSeconds = 14 * 24 * 60 * 60;

export const queues = {
  /** Job ids to advance (`{ jobId }`); the relay worker consumes it. */
  relay: {
    name: "RelayQueue",
    // AWS: a queue's visibility timeout should be at least six times its consumer's timeout (batch window is 0).
    visibilityTimeoutSeconds: 6 * relayTimeoutSeconds,
    maxReceiveCount: 5,
    deadLetterQueue: "relayDeadLetter",
    consumer: { batchSize: 10, partialResponses: true },
  },
  /** Relay messages received {@link queues.relay.maxReceiveCount} times without success. */
  relayDeadLetter: { name: "RelayDeadLetterQueue", retentionSeconds: deadLetterRetentionSeconds },
  /** Schedule events whose invocation failed after {@link scheduleRetries} retries (one queue for every schedule). */
  scheduleDeadLetter: { name: "ScheduleDeadLetterQueue", retentionSeconds: deadLetterRetentionSeconds },
} as const satisfies Record<QueueKey, QueueDescription>;

export type QueueKey = "relay" | "relayDeadLetter" | "scheduleDeadLetter";

/** The queues a function consumes: those with a `consumer`. */
export type ConsumedQueueKey = {
  [Key in QueueKey]: (typeof queues)[Key] extends { readonly consumer: object } ? Key : never;
}[QueueKey];

/** Retries when invoking a scheduled function fails, before the event goes to `queues.scheduleDeadLetter`. */
export const scheduleRetries = 2;
