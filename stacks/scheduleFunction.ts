import { SlabridgeError } from "@slabridge/core";
import { type FunctionDescription, schedulePeriodSeconds, scheduleRate, scheduleRetries } from "@slabridge/topology";
import type { StageTopology } from "./stages.ts";

/**
 * A function whose record in `deployedFunctions` has another trigger was put on a schedule.
 *
 * @example
 * scheduleFunction(topology, deployedFunctions.relay, relay, dlq); // throws: the relay worker consumes a queue
 */
export class NotScheduledError extends SlabridgeError {
  override readonly name = "NotScheduledError" as const;
  constructor(functionName: string) {
    super(`${functionName} is not triggered by a schedule in @slabridge/topology`, { retryable: false });
  }
}

/**
 * Runs `target` on the EventBridge Scheduler schedule (`sst.aws.CronV2`) its record names: every `every` × the
 * stage's watch or probe period, with `scheduleRetries` retries; events whose retries are exhausted land in
 * `deadLetterQueue` (one shared schedule DLQ per app, kept 14 days).
 *
 * @example
 * scheduleFunction(topology, deployedFunctions.retry, functions.retry, scheduleDeadLetterQueue); // "rate(5 minutes)"
 */
export function scheduleFunction(
  topology: StageTopology,
  fn: FunctionDescription,
  target: sst.aws.Function,
  deadLetterQueue: sst.aws.Queue,
): sst.aws.CronV2 {
  const { trigger } = fn;
  if (trigger.kind !== "schedule") throw new NotScheduledError(fn.name);
  return new sst.aws.CronV2(trigger.name, {
    function: target.arn,
    schedule: scheduleRate(schedulePeriodSeconds(trigger, topology.periods)),
    retries: scheduleRetries,
    dlq: deadLetterQueue.arn,
  });
}
