// @slabridge/runtime: the local stand-in for the AWS pieces slabridge's Lambda handlers rely on (Lambda Invoke API,
// SQS queues with event source mappings, EventBridge Scheduler), so the same handler code runs on one machine.

export { DEFAULT_REGION, LOCAL_ACCOUNT_ID, localArn } from "./aws.ts";
export { ManualClock, systemClock } from "./clock.ts";
export {
  InvalidBatchResponseError,
  InvalidParameterError,
  LambdaTimeoutError,
  MessageNotInflightError,
  ReceiptHandleIsInvalidError,
  ResourceExistsError,
  ResourceNotFoundError,
  RuntimeStateError,
} from "./errors.ts";
export { LocalFunctionUrlServer, type LocalFunctionUrlServerOptions } from "./http/LocalFunctionUrlServer.ts";
export {
  type AddFunctionOptions,
  type AddQueueOptions,
  type AddScheduleOptions,
  LocalRuntime,
  type LocalRuntimeEnv,
  type LocalRuntimeOptions,
  type RuntimeErrorReport,
  type SubscribeOptions,
} from "./LocalRuntime.ts";
export { LambdaInvokeServer, type LambdaInvokeServerOptions } from "./lambda/LambdaInvokeServer.ts";
export {
  type FunctionErrorPayload,
  type FunctionOptions,
  type FunctionStats,
  type InvocationErrorInfo,
  type InvocationOutcome,
  type LambdaHandler,
  LocalFunctions,
  type LocalFunctionsOptions,
  toFunctionError,
} from "./lambda/LocalFunctions.ts";
export { createLambdaContext, type LambdaContextInput } from "./lambda/lambdaContext.ts";
export {
  LocalQueue,
  type LocalQueueOptions,
  type QueueStats,
  type ReceivedMessage,
  type ReceiveOptions,
  type RedrivePolicy,
  type SendOptions,
} from "./queue/LocalQueue.ts";
export {
  type MessageAttributeInput,
  type MessageAttributeValue,
  normalizeMessageAttributes,
} from "./queue/messageAttributes.ts";
export {
  type ConsumerStats,
  type ConsumerTarget,
  QueueConsumer,
  type QueueConsumerOptions,
  type SqsHandler,
} from "./queue/QueueConsumer.ts";
export {
  LocalScheduler,
  type LocalSchedulerOptions,
  type ScheduledInvocationEvent,
  type ScheduleHandler,
  type ScheduleOptions,
  type ScheduleRetryPolicy,
  type ScheduleState,
  type ScheduleStats,
} from "./scheduler/LocalScheduler.ts";
export { parseRate } from "./scheduler/parseRate.ts";
