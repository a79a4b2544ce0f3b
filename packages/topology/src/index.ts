export {
  type ChainFamily,
  deployedFunctions,
  describedFunctions,
  type FunctionDescription,
  type FunctionKey,
  type FunctionLinks,
  type FunctionTrigger,
  type SigningKeyRole,
  type StagePeriod,
} from "./deployedFunctions.ts";
export {
  type ConsumedQueueKey,
  type QueueDescription,
  type QueueKey,
  queues,
  relayTimeoutSeconds,
  scheduleRetries,
} from "./queues.ts";
export { InvalidSchedulePeriodError, type StagePeriods, schedulePeriodSeconds, scheduleRate } from "./schedules.ts";
export { type AttributeType, type TableDefinition, type TableKey, tables } from "./tables.ts";
