// The slice of SST's global API that slabridge's stacks use, so `tsc` checks the stacks on any machine. SST types these
// globals in .sst/platform/config.d.ts, which the CLI writes (`sst install`, after downloading Pulumi and the AWS
// provider); the `sst` npm package itself ships only the runtime SDK (`Resource`, ...), no platform types, so this
// slice stays until the CLI can run here. Names and shapes follow SST v3 (the `sst` npm package 4.x) and the Pulumi
// AWS provider; each is narrowed to what the stacks pass.
// `stacks/testing/recordingSst.ts` installs a recording stand-in with the same shape for the wiring test.

/** Pulumi's output/input types, which SST exposes globally as `$util` (= `@pulumi/pulumi`). */
declare namespace $util {
  interface Output<T> {
    apply<U>(func: (value: T) => U): Output<U>;
  }
  type Input<T> = T | Output<T>;
  /** Pulumi's per-resource options (the third constructor argument of every component). */
  interface ComponentResourceOptions {
    /** Creates the component with this provider, e.g. an `aws.Provider` of another region. */
    provider?: aws.Provider;
  }
}

/** SST's duration strings, e.g. "30 seconds", "1 minute", "12 minutes". */
type SstDuration = `${number} ${"second" | "seconds" | "minute" | "minutes" | "hour" | "hours"}`;

declare namespace sst {
  /** `new sst.Secret(name)`: a value set per stage with `sst secret set <name> <value>`; linkable. */
  class Secret {
    constructor(name: string);
    readonly name: $util.Output<string>;
    readonly value: $util.Output<string>;
  }

  /** `new sst.Linkable(name, { properties })`: makes plain values reachable from linked functions. */
  class Linkable<Properties extends Record<string, unknown>> {
    constructor(name: string, args: { properties: Properties });
    readonly name: $util.Output<string>;
    readonly properties: Properties;
  }
}

declare namespace sst.aws {
  interface DynamoArgs {
    fields: Record<string, "string" | "number" | "binary">;
    primaryIndex: { hashKey: string; rangeKey?: string };
    globalIndexes?: Record<string, { hashKey: string; rangeKey?: string }>;
    ttl?: string;
  }
  class Dynamo {
    constructor(name: string, args: DynamoArgs);
    readonly name: $util.Output<string>;
    readonly arn: $util.Output<string>;
  }

  /** A private S3 bucket; linking it gives `Resource.<Name>.name` and `s3:*` on the bucket and its objects. */
  class Bucket {
    constructor(name: string);
    readonly name: $util.Output<string>;
    readonly arn: $util.Output<string>;
  }

  interface QueueArgs {
    /** Up to 12 hours. */
    visibilityTimeout?: SstDuration;
    /** `retry` becomes the redrive policy's `maxReceiveCount`. */
    dlq?: $util.Input<string> | { queue: $util.Input<string>; retry: number };
    /** Pulumi `aws.sqs.QueueArgs` overrides. */
    transform?: { queue?: { messageRetentionSeconds?: number } };
  }
  interface QueueSubscriberArgs {
    batch?: { size?: number; window?: SstDuration; partialResponses?: boolean };
  }
  class Queue {
    constructor(name: string, args?: QueueArgs);
    readonly arn: $util.Output<string>;
    readonly url: $util.Output<string>;
    /** The underlying Pulumi resources: the SQS queue's name is what CloudWatch's `QueueName` dimension takes. */
    readonly nodes: { readonly queue: { readonly name: $util.Output<string> } };
    /** `subscriber` is a handler path, or (as here) the ARN of a function declared on its own. */
    subscribe(subscriber: $util.Input<string>, args?: QueueSubscriberArgs): unknown;
  }

  interface FunctionPermissionArgs {
    actions: string[];
    resources: $util.Input<string>[];
  }
  interface FunctionArgs {
    /** `{file}.{export}`, relative to the repository root. */
    handler: string;
    description?: string;
    runtime?: "nodejs22.x";
    timeout?: SstDuration;
    memory?: `${number} MB`;
    environment?: Record<string, $util.Input<string>>;
    link?: unknown[];
    permissions?: FunctionPermissionArgs[];
    logging?: { format?: "text" | "json"; retention?: "1 month" | "3 months" | "1 year" };
    /** Files bundled next to the handler (paths relative to the repository root). */
    copyFiles?: Array<{ from: string; to?: string }>;
    /** A Lambda function URL: `true` (no auth), or its authorization ("iam" needs SigV4-signed callers). */
    url?: boolean | { authorization?: "none" | "iam" };
    /**
     * Response streaming: the function URL's invoke mode is `RESPONSE_STREAM`, and the handler must be wrapped in the
     * runtime's `awslambda.streamifyResponse`.
     */
    streaming?: boolean;
  }
  // biome-ignore lint/suspicious/noShadowRestrictedNames: SST's component is sst.aws.Function; only this namespace sees it.
  class Function {
    /** `opts.provider` places the function in that provider's region (SST's multi-region pattern). */
    constructor(name: string, args: FunctionArgs, opts?: $util.ComponentResourceOptions);
    readonly name: $util.Output<string>;
    readonly arn: $util.Output<string>;
    /** The function URL; only for functions declared with `url` (SST throws otherwise). */
    readonly url: $util.Output<string>;
  }

  /** An SNS topic (the alarms' actions). */
  class SnsTopic {
    constructor(name: string, args?: Record<string, never>, opts?: $util.ComponentResourceOptions);
    readonly arn: $util.Output<string>;
  }

  /** EventBridge Scheduler schedule invoking a function. */
  interface CronV2Args {
    function: $util.Input<string>;
    schedule: `rate(${string})` | `cron(${string})`;
    /** Scheduler retry attempts when invoking the target fails (0..185). */
    retries?: number;
    /** ARN of the SQS queue that receives events whose retries are exhausted. */
    dlq?: $util.Input<string>;
  }
  class CronV2 {
    constructor(name: string, args: CronV2Args);
  }
}

/** The Pulumi AWS provider, global as `aws` in sst.config.ts. */
declare namespace aws {
  /** An explicit AWS provider, e.g. for another region: `new aws.Provider("EuWest1", { region: "eu-west-1" })`. */
  class Provider {
    constructor(name: string, args: { region: string });
  }
}

declare namespace aws.cloudwatch {
  /** Pulumi's `aws.cloudwatch.MetricAlarmArgs`, narrowed to single-metric alarms. */
  interface MetricAlarmArgs {
    alarmDescription?: string;
    namespace: string;
    metricName: string;
    dimensions?: Record<string, $util.Input<string>>;
    statistic: "Sum" | "Average" | "Minimum" | "Maximum" | "SampleCount";
    /** Seconds per datapoint. */
    period: number;
    evaluationPeriods: number;
    comparisonOperator:
      | "GreaterThanThreshold"
      | "GreaterThanOrEqualToThreshold"
      | "LessThanThreshold"
      | "LessThanOrEqualToThreshold";
    threshold: number;
    treatMissingData?: "missing" | "notBreaching" | "breaching" | "ignore";
    /** SNS topic ARNs notified on ALARM, and on the way back to OK. */
    alarmActions?: $util.Input<string>[];
    okActions?: $util.Input<string>[];
  }
  class MetricAlarm {
    constructor(name: string, args: MetricAlarmArgs, opts?: $util.ComponentResourceOptions);
    readonly arn: $util.Output<string>;
  }
}

/** Pulumi's template literal over outputs (`$interpolate\`${table.arn}/index/byStatus\``). */
declare function $interpolate(strings: TemplateStringsArray, ...values: unknown[]): $util.Output<string>;

/** The app being deployed: its name and stage (`sst deploy --stage <stage>`). */
declare const $app: { readonly name: string; readonly stage: string };

interface SstAppInput {
  stage: string;
}

interface SstAppConfig {
  name: string;
  home: "aws";
  removal?: "remove" | "retain";
  protect?: boolean;
}

declare function $config<Outputs>(config: { app(input: SstAppInput): SstAppConfig; run(): Promise<Outputs> }): {
  app(input: SstAppInput): SstAppConfig;
  run(): Promise<Outputs>;
};
