/** EventBridge Scheduler retries when invoking a function fails, before the event goes to the schedule DLQ. */
export const scheduleRetries = 2;

/**
 * Runs `target` on an EventBridge Scheduler schedule (`sst.aws.CronV2`) with {@link scheduleRetries} retries; events
 * whose retries are exhausted land in `deadLetterQueue` (one shared schedule DLQ per app, kept 14 days).
 *
 * @example
 * scheduleFunction("RetrySchedule", functions.retry, "rate(5 minutes)", scheduleDeadLetterQueue);
 */
export function scheduleFunction(
  name: string,
  target: sst.aws.Function,
  rate: sst.aws.CronV2Args["schedule"],
  deadLetterQueue: sst.aws.Queue,
): sst.aws.CronV2 {
  return new sst.aws.CronV2(name, {
    function: target.arn,
    schedule: rate,
    retries: scheduleRetries,
    dlq: deadLetterQueue.arn,
  });
}
