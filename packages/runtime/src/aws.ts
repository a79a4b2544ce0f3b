/**
 * Identifiers the local runtime puts into ARNs and events where AWS would put real ones. The account id is the
 * all-zero one LocalStack and the AWS docs use, so it can never collide with a real account.
 *
 * @example
 * ```ts
 * localArn("sqs", "us-east-1", "jobs"); // "arn:aws:sqs:us-east-1:000000000000:jobs"
 * ```
 */
export const LOCAL_ACCOUNT_ID = "000000000000";

/**
 * The region every local component reports unless told otherwise.
 *
 * @example
 * ```ts
 * new LocalQueue({ name: "jobs" }).region === DEFAULT_REGION; // true
 * ```
 */
export const DEFAULT_REGION = "us-east-1";

/**
 * Builds the ARN AWS would give a queue, function or schedule.
 *
 * @example
 * ```ts
 * localArn("lambda", "us-east-1", "function:relay"); // "arn:aws:lambda:us-east-1:000000000000:function:relay"
 * ```
 */
export function localArn(service: "sqs" | "lambda" | "scheduler", region: string, resource: string): string {
  return `arn:aws:${service}:${region}:${LOCAL_ACCOUNT_ID}:${resource}`;
}
