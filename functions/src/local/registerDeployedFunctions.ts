import type { LambdaHandler, LocalRuntime } from "@slabridge/runtime";
import {
  describedFunctions,
  type FunctionKey,
  type QueueDescription,
  queues,
  type StagePeriods,
  schedulePeriodSeconds,
  scheduleRetries,
} from "@slabridge/topology";

/** A handler as the local runtime takes it (any event: each handler validates its own). */
export type LocalHandler = LambdaHandler<never, unknown>;

/** One copy of a function deployed once per prober region: locally, one per vantage point, under its function name. */
export interface LocalCopy {
  readonly name: string;
  readonly handler: LocalHandler;
}

/**
 * The handler of each deployed function the local bot runs, by its key in `@slabridge/topology`'s
 * `deployedFunctions`: one handler, or the copies of a function placed in each prober region. A function without an
 * entry does not run in this world (no Solana chain, no probing section, or served elsewhere like the status API).
 */
export type LocalHandlers = { readonly [Key in FunctionKey]?: LocalHandler | readonly LocalCopy[] };

/** Options of {@link registerDeployedFunctions}. */
export interface RegisterDeployedFunctionsOptions {
  /** The stage's watch and probe periods, in seconds (schedules run their topology multiple of one). */
  readonly periods: StagePeriods;
  /** Concurrent batches per queue consumer (AWS scales consumers itself; one process here). */
  readonly maxConcurrency?: number;
}

/**
 * Declares slabridge's deployed world in a local runtime, as the SST stacks declare it in AWS and from the same
 * records: every queue of `queues` (visibility, max receives, dead-letter queue), then every function of
 * `deployedFunctions` that has a handler here, under its AWS component name with its timeout and memory, triggered
 * as in AWS: on its schedule (its multiple of the stage period, `scheduleRetries` retries, the schedule DLQ) or by its
 * queue (batch size, partial batch responses). Functions triggered by an invocation or a URL are only registered.
 *
 * @example
 * registerDeployedFunctions(runtime, { retry: createRetryHandler(getWorld) }, { periods: { watch: 2, probe: 1 } });
 */
export function registerDeployedFunctions(
  runtime: LocalRuntime,
  handlers: LocalHandlers,
  options: RegisterDeployedFunctionsOptions,
): void {
  const described: readonly QueueDescription[] = Object.values(queues);
  // Dead-letter queues first: a queue's redrive policy names one that exists.
  for (const queue of described.filter((q) => q.deadLetterQueue === undefined)) runtime.addQueue(queue.name);
  for (const queue of described) {
    if (queue.deadLetterQueue === undefined) continue;
    runtime.addQueue(queue.name, {
      ...(queue.visibilityTimeoutSeconds === undefined ? {} : { visibilityTimeout: queue.visibilityTimeoutSeconds }),
      ...(queue.maxReceiveCount === undefined ? {} : { maxReceiveCount: queue.maxReceiveCount }),
      dlq: queues[queue.deadLetterQueue].name,
    });
  }

  for (const [key, fn] of describedFunctions()) {
    const handler = handlers[key];
    if (handler === undefined) continue;
    const limits = { timeoutSeconds: fn.timeoutSeconds, memoryLimitInMB: fn.memoryMb };
    if (typeof handler !== "function") {
      // Each copy probes one round once: a retry a period later would record a stale round.
      for (const copy of handler) runtime.addFunction(copy.name, copy.handler, { ...limits, maximumRetryAttempts: 0 });
      continue;
    }
    runtime.addFunction(fn.name, handler, limits);
    const { trigger } = fn;
    switch (trigger.kind) {
      case "schedule":
        runtime.addSchedule(trigger.name, schedulePeriodSeconds(trigger, options.periods) * 1_000, fn.name, {
          retries: scheduleRetries,
          dlq: queues.scheduleDeadLetter.name,
        });
        break;
      case "queue": {
        const { name, consumer } = queues[trigger.queue];
        runtime.subscribe(name, fn.name, {
          batchSize: consumer.batchSize,
          reportBatchItemFailures: consumer.partialResponses,
          ...(options.maxConcurrency === undefined ? {} : { maxConcurrency: options.maxConcurrency }),
        });
        break;
      }
      case "invoke":
      case "url":
        break;
    }
  }
}
