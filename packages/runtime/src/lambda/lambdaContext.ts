import type { Context } from "aws-lambda";
import { localArn } from "../aws.ts";

/**
 * What {@link createLambdaContext} needs to describe one invocation.
 *
 * @example
 * ```ts
 * createLambdaContext({ functionName: "relay", awsRequestId: randomUUID(), region: "us-east-1", timeoutMs: 3000, memoryLimitInMB: 128, startedAt: Date.now() });
 * ```
 */
export interface LambdaContextInput {
  functionName: string;
  awsRequestId: string;
  region: string;
  timeoutMs: number;
  memoryLimitInMB: number;
  /** Wall-clock ms when the invocation started (Lambda's deadline is wall-clock time too). */
  startedAt: number;
}

function callbackApiUnsupported(): never {
  // The callback-style API is deprecated and slabridge handlers are async; failing loudly beats silently ignoring.
  throw new Error("context.done/succeed/fail are not supported locally; return a promise instead.");
}

/**
 * A Lambda `Context` for one local invocation: names, ARN, request id, log group/stream as AWS forms them, and
 * `getRemainingTimeInMillis()` counting down to the configured timeout.
 *
 * @example
 * ```ts
 * const ctx = createLambdaContext({ functionName: "relay", awsRequestId: id, region: "us-east-1", timeoutMs: 3000, memoryLimitInMB: 128, startedAt: Date.now() });
 * ```
 */
export function createLambdaContext(input: LambdaContextInput): Context {
  const deadline = input.startedAt + input.timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: input.functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: localArn("lambda", input.region, `function:${input.functionName}`),
    memoryLimitInMB: String(input.memoryLimitInMB),
    awsRequestId: input.awsRequestId,
    logGroupName: `/aws/lambda/${input.functionName}`,
    logStreamName: `local/[$LATEST]${input.awsRequestId.replaceAll("-", "")}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: callbackApiUnsupported,
    fail: callbackApiUnsupported,
    succeed: callbackApiUnsupported,
  };
}
