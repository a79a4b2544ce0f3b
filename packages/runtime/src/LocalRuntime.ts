import type { Clock } from "@slabridge/core";
import { DEFAULT_REGION } from "./aws.ts";
import { systemClock } from "./clock.ts";
import { InvalidParameterError, ResourceExistsError, ResourceNotFoundError, RuntimeStateError } from "./errors.ts";
import { LambdaInvokeServer } from "./lambda/LambdaInvokeServer.ts";
import {
  type FunctionErrorPayload,
  type InvocationErrorInfo,
  type LambdaHandler,
  LocalFunctions,
} from "./lambda/LocalFunctions.ts";
import { LocalQueue } from "./queue/LocalQueue.ts";
import { QueueConsumer } from "./queue/QueueConsumer.ts";
import { LocalScheduler } from "./scheduler/LocalScheduler.ts";

/**
 * The environment a handler needs to reach the local runtime. `AWS_ENDPOINT_URL_LAMBDA` makes an unmodified
 * `new LambdaClient({})` call the local invoke server (the SDK reads it); `SLABRIDGE_LAMBDA_ENDPOINT` is the same URL
 * for code that passes `endpoint` explicitly. In AWS neither is set and the clients use the real endpoints.
 *
 * @example
 * ```ts
 * const env: LocalRuntimeEnv = await rt.start(); Object.assign(process.env, env);
 * ```
 */
export interface LocalRuntimeEnv {
  SLABRIDGE_LAMBDA_ENDPOINT: string;
  AWS_ENDPOINT_URL_LAMBDA: string;
  AWS_REGION: string;
  AWS_ACCESS_KEY_ID: string;
  AWS_SECRET_ACCESS_KEY: string;
  /** Keeps the SDK from probing the EC2 metadata address for credentials or region. */
  AWS_EC2_METADATA_DISABLED: string;
}

/**
 * Options of a {@link LocalRuntime}.
 *
 * @example
 * ```ts
 * new LocalRuntime({ clock: new ManualClock(), onError: (e) => log.warn(e) });
 * ```
 */
export interface LocalRuntimeOptions {
  region?: string;
  /** Drives queues and schedules (function timeouts are always wall-clock, as in Lambda). */
  clock?: Clock;
  /** Waits before Lambda's two async retries (default 1 s, 2 s; AWS ~1 min, 2 min). */
  asyncRetryDelaysMs?: readonly [number, number];
  /** First schedule retry delay, doubling per retry (default 1 s). */
  scheduleRetryBaseDelayMs?: number;
  /** Idle poll interval of queue consumers (default 20 ms). */
  pollIntervalMs?: number;
  /** Every failure the runtime absorbs (function errors, failed batches, failed schedule attempts), for logging. */
  onError?: (error: RuntimeErrorReport) => void;
}

/**
 * One absorbed failure, by where it happened.
 *
 * @example
 * ```ts
 * onError: (r: RuntimeErrorReport) => { if (r.source === "queue") r.messageIds; }
 * ```
 */
export type RuntimeErrorReport =
  | ({ source: "function" } & InvocationErrorInfo)
  | { source: "queue"; queueName: string; functionName: string; messageIds: readonly string[]; error: unknown }
  | { source: "schedule"; scheduleName: string; attempt: number; error: FunctionErrorPayload };

/**
 * Options of {@link LocalRuntime.addFunction}.
 *
 * @example
 * ```ts
 * rt.addFunction("relay", handler, { timeoutSeconds: 20, dlq: "relay-dlq" });
 * ```
 */
export interface AddFunctionOptions {
  timeoutSeconds?: number;
  memoryLimitInMB?: number;
  /** Retries of async (Event) invocations, 0..2 (default 2). */
  maximumRetryAttempts?: number;
  /** Name of a queue of this runtime that receives async events whose retries are exhausted. */
  dlq?: string;
}

/**
 * Options of {@link LocalRuntime.addQueue}.
 *
 * @example
 * ```ts
 * rt.addQueue("jobs", { visibilityTimeout: 30, maxReceiveCount: 3, dlq: "jobs-dlq" });
 * ```
 */
export interface AddQueueOptions {
  /** Seconds (default 30); must be at least the timeout of any function subscribed to the queue, as in AWS. */
  visibilityTimeout?: number;
  delaySeconds?: number;
  /** Receives before a message moves to `dlq` (required with `dlq`). */
  maxReceiveCount?: number;
  /** Name of the dead-letter queue (add it first). */
  dlq?: string;
}

/**
 * Options of {@link LocalRuntime.subscribe}.
 *
 * @example
 * ```ts
 * rt.subscribe("jobs", "relay", { batchSize: 5, maxConcurrency: 2 });
 * ```
 */
export interface SubscribeOptions {
  batchSize?: number;
  maxConcurrency?: number;
  reportBatchItemFailures?: boolean;
}

/**
 * Options of {@link LocalRuntime.addSchedule}.
 *
 * @example
 * ```ts
 * rt.addSchedule("sweep", "1 minute", "sweeper", { retries: 2, dlq: "cron-dlq", input: { full: true } });
 * ```
 */
export interface AddScheduleOptions {
  /** SST CronV2's `retries`: retry attempts after a failure (default 0 here, so a failing cron is visible at once). */
  retries?: number;
  maxEventAgeSeconds?: number;
  /** Name of the queue failed events go to. */
  dlq?: string;
  /** The event's `detail`. */
  input?: unknown;
}

/**
 * The local stand-in for the AWS pieces slabridge's handlers rely on: functions behind the Lambda Invoke API,
 * SQS-like queues with event source mappings, and EventBridge Scheduler rate schedules, all in one process on
 * 127.0.0.1. Declare everything, `start()`, hand `env` to the handlers' process, `stop()`.
 *
 * @example
 * ```ts
 * const rt = new LocalRuntime();
 * rt.addFunction("relay", relayHandler, { timeoutSeconds: 20 });
 * rt.addQueue("jobs-dlq"); rt.addQueue("jobs", { visibilityTimeout: 30, maxReceiveCount: 3, dlq: "jobs-dlq" });
 * rt.subscribe("jobs", "relay", { batchSize: 10 }); rt.addSchedule("sweep", "10 seconds", "relay", { retries: 2 });
 * Object.assign(process.env, await rt.start()); ...; await rt.stop();
 * ```
 */
export class LocalRuntime {
  readonly region: string;
  readonly functions: LocalFunctions;
  readonly server: LambdaInvokeServer;
  readonly scheduler: LocalScheduler;
  readonly #clock: Clock;
  readonly #queues = new Map<string, LocalQueue>();
  readonly #consumers: QueueConsumer[] = [];
  readonly #pollIntervalMs: number | undefined;
  readonly #onError: ((error: RuntimeErrorReport) => void) | undefined;
  #state: "new" | "running" | "stopped" = "new";
  #env: LocalRuntimeEnv | undefined;

  constructor(options: LocalRuntimeOptions = {}) {
    this.region = options.region ?? DEFAULT_REGION;
    this.#clock = options.clock ?? systemClock;
    this.#pollIntervalMs = options.pollIntervalMs;
    const onError = options.onError;
    this.#onError = onError;
    this.functions = new LocalFunctions({
      region: this.region,
      ...(options.asyncRetryDelaysMs ? { asyncRetryDelaysMs: options.asyncRetryDelaysMs } : {}),
      ...(onError ? { onError: (info: InvocationErrorInfo) => onError({ source: "function", ...info }) } : {}),
    });
    this.server = new LambdaInvokeServer({ functions: this.functions });
    this.scheduler = new LocalScheduler({
      clock: this.#clock,
      region: this.region,
      ...(options.scheduleRetryBaseDelayMs === undefined ? {} : { retryBaseDelayMs: options.scheduleRetryBaseDelayMs }),
      ...(onError
        ? {
            onError: (scheduleName: string, error: FunctionErrorPayload, attempt: number) =>
              onError({ source: "schedule", scheduleName, attempt, error }),
          }
        : {}),
    });
  }

  /**
   * Registers a function, invocable over the Invoke API and usable by subscriptions and schedules.
   *
   * @example
   * ```ts
   * rt.addFunction("fanout", handler, { timeoutSeconds: 10, dlq: "fanout-dlq" });
   * ```
   */
  addFunction<TEvent, TResult>(
    name: string,
    handler: LambdaHandler<TEvent, TResult>,
    options: AddFunctionOptions = {},
  ): this {
    this.#assertNotStopped();
    const { dlq, ...rest } = options;
    this.functions.register(name, handler, {
      ...rest,
      ...(dlq === undefined ? {} : { deadLetterQueue: this.queue(dlq) }),
    });
    return this;
  }

  /**
   * Creates a queue (add its dead-letter queue first).
   *
   * @example
   * ```ts
   * rt.addQueue("jobs", { visibilityTimeout: 30, maxReceiveCount: 3, dlq: "jobs-dlq" });
   * ```
   */
  addQueue(name: string, options: AddQueueOptions = {}): LocalQueue {
    this.#assertNotStopped();
    if (this.#queues.has(name)) throw new ResourceExistsError("queue", name);
    if ((options.dlq === undefined) !== (options.maxReceiveCount === undefined)) {
      throw new InvalidParameterError("dlq", "dlq and maxReceiveCount go together (an SQS redrive policy)");
    }
    const queue = new LocalQueue({
      name,
      region: this.region,
      clock: this.#clock,
      ...(options.visibilityTimeout === undefined ? {} : { visibilityTimeoutSeconds: options.visibilityTimeout }),
      ...(options.delaySeconds === undefined ? {} : { delaySeconds: options.delaySeconds }),
      ...(options.dlq !== undefined && options.maxReceiveCount !== undefined
        ? { redrivePolicy: { deadLetterQueue: this.queue(options.dlq), maxReceiveCount: options.maxReceiveCount } }
        : {}),
    });
    this.#queues.set(name, queue);
    return queue;
  }

  /**
   * A queue of this runtime, to send to, inspect or redrive.
   *
   * @example
   * ```ts
   * rt.queue("jobs").send(JSON.stringify(job));
   * ```
   */
  queue(name: string): LocalQueue {
    const queue = this.#queues.get(name);
    if (!queue) throw new ResourceNotFoundError("queue", name);
    return queue;
  }

  /**
   * Maps a queue to a function (an SQS event source mapping with `ReportBatchItemFailures`). As in AWS, the queue's
   * visibility timeout must be at least the function's timeout. Starts at once if the runtime is running.
   *
   * @example
   * ```ts
   * rt.subscribe("jobs", "relay", { batchSize: 10, maxConcurrency: 2 });
   * ```
   */
  subscribe(queueName: string, functionName: string, options: SubscribeOptions = {}): QueueConsumer {
    this.#assertNotStopped();
    const queue = this.queue(queueName);
    if (!this.functions.has(functionName)) throw new ResourceNotFoundError("function", functionName);
    const timeout = this.functions.timeoutSecondsOf(functionName);
    if (queue.visibilityTimeoutSeconds < timeout) {
      throw new InvalidParameterError(
        "visibilityTimeout",
        `queue visibility timeout ${queue.visibilityTimeoutSeconds} s is less than function timeout ${timeout} s`,
      );
    }
    const onError = this.#onError;
    const consumer = new QueueConsumer({
      queue,
      functions: this.functions,
      functionName,
      ...options,
      ...(this.#pollIntervalMs === undefined ? {} : { pollIntervalMs: this.#pollIntervalMs }),
      ...(onError
        ? {
            onError: (error: unknown, messageIds: readonly string[]) =>
              onError({ source: "queue", queueName, functionName, messageIds, error }),
          }
        : {}),
    });
    this.#consumers.push(consumer);
    if (this.#state === "running") consumer.start();
    return consumer;
  }

  /**
   * Runs a function on a rate schedule with SST CronV2's retries and DLQ.
   *
   * @example
   * ```ts
   * rt.addSchedule("verdicts", "1 minute", "verdictWorker", { retries: 3, dlq: "cron-dlq" });
   * ```
   */
  addSchedule(name: string, rate: string | number, functionName: string, options: AddScheduleOptions = {}): void {
    this.#assertNotStopped();
    if (!this.functions.has(functionName)) throw new ResourceNotFoundError("function", functionName);
    this.scheduler.addSchedule(name, {
      rate,
      functions: this.functions,
      functionName,
      retryPolicy: {
        maximumRetryAttempts: options.retries ?? 0,
        ...(options.maxEventAgeSeconds === undefined ? {} : { maximumEventAgeInSeconds: options.maxEventAgeSeconds }),
      },
      ...(options.dlq === undefined ? {} : { deadLetterQueue: this.queue(options.dlq) }),
      ...(options.input === undefined ? {} : { input: options.input }),
    });
  }

  /**
   * Opens the invoke endpoint on 127.0.0.1, starts every consumer and the scheduler; resolves with {@link env}.
   *
   * @example
   * ```ts
   * const env = await rt.start(); env.SLABRIDGE_LAMBDA_ENDPOINT; // "http://127.0.0.1:41234"
   * ```
   */
  async start(): Promise<LocalRuntimeEnv> {
    if (this.#state !== "new") throw new RuntimeStateError(`The runtime cannot start: it is ${this.#state}.`);
    this.#state = "running";
    const url = await this.server.start();
    for (const consumer of this.#consumers) consumer.start();
    this.scheduler.start();
    this.#env = {
      SLABRIDGE_LAMBDA_ENDPOINT: url,
      AWS_ENDPOINT_URL_LAMBDA: url,
      AWS_REGION: this.region,
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
      AWS_EC2_METADATA_DISABLED: "true",
    };
    return this.#env;
  }

  /**
   * The environment handlers need to reach this runtime (after `start()`).
   *
   * @example
   * ```ts
   * spawn("tsx", ["worker.ts"], { env: { ...process.env, ...rt.env } });
   * ```
   */
  get env(): LocalRuntimeEnv {
    if (!this.#env) throw new RuntimeStateError("The runtime is not started.");
    return this.#env;
  }

  /**
   * Stops the schedules and consumers (waiting for running handlers), then async invocations (pending retries are
   * dropped), and closes the port.
   *
   * @example
   * ```ts
   * await rt.stop();
   * ```
   */
  async stop(): Promise<void> {
    if (this.#state === "stopped") return;
    this.#state = "stopped";
    await this.scheduler.stop();
    await Promise.all(this.#consumers.map((c) => c.stop()));
    await this.server.stop();
    await this.functions.stop();
    this.#env = undefined;
  }

  #assertNotStopped(): void {
    if (this.#state === "stopped") throw new RuntimeStateError("The runtime is stopped.");
  }
}
