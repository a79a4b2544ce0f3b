import { deployedFunctions, type QueueDescription, queues } from "@slabridge/topology";
import { scheduleFunction } from "./scheduleFunction.ts";
import type { Signers } from "./signers.ts";
import { createSlabridgeFunction } from "./slabridgeFunction.ts";
import type { StageTopology } from "./stages.ts";
import type { Storage } from "./storage.ts";

/**
 * The relay stack owns the relay engine's moving parts: the job queue and its dead-letter queue, the schedule
 * dead-letter queue, the four Lambdas (two chain watchers, the relay worker, the retry sweeper) and the EventBridge
 * Scheduler schedules that run the watchers and the sweeper. Queue settings, function limits, links and periods are
 * `@slabridge/topology`'s `queues` and `deployedFunctions` records; this file only declares them.
 *
 * Flow: WatchEvm/WatchSolana (every watch period) record payments, advance cursors and enqueue jobs; Relay consumes
 * the queue in batches with partial batch responses (one failed job does not redeliver the others); after
 * `maxReceiveCount` receives a job lands in the dead-letter queue; Retry (every 5 watch periods) re-enqueues jobs
 * whose backoff has passed.
 *
 * Assumed SST v3 names: `sst.aws.Queue` (`visibilityTimeout`, `dlq: { queue, retry }`, `transform.queue`,
 * `subscribe(functionArn, { batch: { size, partialResponses } })`), `sst.aws.Function` (`handler`, `runtime`,
 * `timeout`, `memory`, `environment`, `link`, `permissions`, `logging`), `sst.aws.CronV2` (`function`, `schedule`,
 * `retries`, `dlq`).
 *
 * @example
 * const relay = createRelay({ topology, storage, signers }); // inside sst.config.ts run()
 */
export type RelayFunctionKey = "watchEvm" | "watchSolana" | "relay" | "retry";

export interface Relay {
  readonly queue: sst.aws.Queue;
  readonly deadLetterQueue: sst.aws.Queue;
  readonly scheduleDeadLetterQueue: sst.aws.Queue;
  readonly functions: Record<RelayFunctionKey, sst.aws.Function>;
}

/** A queue as SST declares it: visibility, redrive (`retry` = maxReceiveCount) and retention from its record. */
function declareQueue(queue: QueueDescription, deadLetterQueue?: sst.aws.Queue): sst.aws.Queue {
  return new sst.aws.Queue(queue.name, {
    ...(queue.visibilityTimeoutSeconds === undefined
      ? {}
      : { visibilityTimeout: `${queue.visibilityTimeoutSeconds} seconds` }),
    ...(deadLetterQueue && queue.maxReceiveCount !== undefined
      ? { dlq: { queue: deadLetterQueue.arn, retry: queue.maxReceiveCount } }
      : {}),
    ...(queue.retentionSeconds === undefined
      ? {}
      : { transform: { queue: { messageRetentionSeconds: queue.retentionSeconds } } }),
  });
}

export function createRelay(input: { topology: StageTopology; storage: Storage; signers: Signers }): Relay {
  const { topology } = input;
  const deadLetterQueue = declareQueue(queues.relayDeadLetter);
  const queue = declareQueue(queues.relay, deadLetterQueue);
  const scheduleDeadLetterQueue = declareQueue(queues.scheduleDeadLetter);
  const context = { ...input, queues: { relay: queue } };

  const functions: Record<RelayFunctionKey, sst.aws.Function> = {
    watchEvm: createSlabridgeFunction(context, deployedFunctions.watchEvm),
    watchSolana: createSlabridgeFunction(context, deployedFunctions.watchSolana),
    relay: createSlabridgeFunction(context, deployedFunctions.relay),
    retry: createSlabridgeFunction(context, deployedFunctions.retry),
  };

  // Subscribing by ARN keeps the worker one declared function (its own links and permissions); the link to the
  // queue grants it the SQS receive/delete/visibility actions the event source mapping needs.
  const { batchSize, partialResponses } = queues.relay.consumer;
  queue.subscribe(functions.relay.arn, { batch: { size: batchSize, partialResponses } });

  for (const key of ["watchEvm", "watchSolana", "retry"] as const) {
    scheduleFunction(topology, deployedFunctions[key], functions[key], scheduleDeadLetterQueue);
  }

  return { queue, deadLetterQueue, scheduleDeadLetterQueue, functions };
}
