import { randomUUID } from "node:crypto";
import type { Context } from "aws-lambda";
import { DEFAULT_REGION } from "../aws.ts";
import {
  InvalidParameterError,
  LambdaTimeoutError,
  ResourceExistsError,
  ResourceNotFoundError,
  RuntimeStateError,
} from "../errors.ts";
import type { LocalQueue } from "../queue/LocalQueue.ts";
import { createLambdaContext } from "./lambdaContext.ts";

/**
 * A Lambda handler: the event and a Lambda-like context in, a JSON-serializable result out.
 *
 * @example
 * ```ts
 * const echo: LambdaHandler<{ n: number }, number> = async (event) => event.n;
 * ```
 */
export type LambdaHandler<TEvent = unknown, TResult = unknown> = (event: TEvent, context: Context) => Promise<TResult>;

/**
 * Configuration of one local function (the parts of a Lambda function's configuration that change behaviour).
 *
 * @example
 * ```ts
 * fns.register("relay", handler, { timeoutSeconds: 30, maximumRetryAttempts: 1, deadLetterQueue: dlq });
 * ```
 */
export interface FunctionOptions {
  /** 1..900 s; Lambda's default is 3. */
  timeoutSeconds?: number;
  memoryLimitInMB?: number;
  /** Retries of a failed asynchronous (Event) invocation, 0..2 (Lambda default 2). */
  maximumRetryAttempts?: number;
  /** Where an asynchronous event goes once its retries are exhausted (a Lambda DLQ). */
  deadLetterQueue?: LocalQueue;
}

/**
 * The body Lambda returns for a function error (`X-Amz-Function-Error: Unhandled`).
 *
 * @example
 * ```ts
 * { errorType: "TypeError", errorMessage: "bad input", trace: ["TypeError: bad input", "    at …"] }
 * ```
 */
export interface FunctionErrorPayload {
  errorType: string;
  errorMessage: string;
  trace: string[];
}

/**
 * The result of one synchronous invocation.
 *
 * @example
 * ```ts
 * const out: InvocationOutcome = await fns.invoke("relay", {}); if (out.ok) out.payload;
 * ```
 */
export type InvocationOutcome =
  | { ok: true; requestId: string; payload: unknown }
  | { ok: false; requestId: string; error: FunctionErrorPayload; cause: unknown };

/**
 * What `onError` hears about: a function error, or a dead-letter send that itself failed.
 *
 * @example
 * ```ts
 * new LocalFunctions({ onError: (info: InvocationErrorInfo) => log.warn(info.functionName, info.error) });
 * ```
 */
export interface InvocationErrorInfo {
  functionName: string;
  requestId: string;
  invocationType: "RequestResponse" | "Event";
  /** 1 for the first attempt of an asynchronous event, 2 and 3 for its retries. */
  attempt: number;
  error: unknown;
}

/**
 * Options of {@link LocalFunctions}.
 *
 * @example
 * ```ts
 * new LocalFunctions({ asyncRetryDelaysMs: [10, 20] });
 * ```
 */
export interface LocalFunctionsOptions {
  region?: string;
  /**
   * Waits before the asynchronous retries. Lambda waits about 1 and 2 minutes; the local default is 1 s and 2 s so
   * a devnet run shows the retry without stalling.
   */
  asyncRetryDelaysMs?: readonly [number, number];
  /** Called on every failed invocation (logging and tests; never required). */
  onError?: (info: InvocationErrorInfo) => void;
}

interface Registration {
  handler: LambdaHandler;
  timeoutSeconds: number;
  memoryLimitInMB: number;
  maximumRetryAttempts: number;
  deadLetterQueue: LocalQueue | undefined;
}

/**
 * Counters over every function's invocations.
 *
 * @example
 * ```ts
 * const { invocations, timeouts }: FunctionStats = fns.stats();
 * ```
 */
export interface FunctionStats {
  invocations: number;
  errors: number;
  timeouts: number;
  asyncEvents: number;
  asyncRetries: number;
  deadLettered: number;
  /** Asynchronous events whose retry was still pending at `stop()` (dropped, as a deleted function's would be). */
  abandoned: number;
}

/**
 * Turns a thrown value into Lambda's error payload. A timeout reads as Lambda's own (`Sandbox.Timedout`).
 *
 * @example
 * ```ts
 * toFunctionError(new TypeError("bad")); // { errorType: "TypeError", errorMessage: "bad", trace: [...] }
 * ```
 */
export function toFunctionError(error: unknown): FunctionErrorPayload {
  if (error instanceof LambdaTimeoutError) {
    return { errorType: "Sandbox.Timedout", errorMessage: error.message, trace: [] };
  }
  if (error instanceof Error) {
    return { errorType: error.name, errorMessage: error.message, trace: (error.stack ?? "").split("\n") };
  }
  return { errorType: typeof error, errorMessage: String(error), trace: [] };
}

/**
 * The registry and executor of local Lambda functions: synchronous invocation with Lambda's timeout, and
 * asynchronous (Event) invocation with Lambda's two retries and then the function's dead-letter queue. The
 * invoke server, the queue consumers and the scheduler all run functions through it, so every path behaves alike.
 * A timed-out handler cannot be killed in-process; its promise is abandoned and its result ignored.
 *
 * @example
 * ```ts
 * const fns = new LocalFunctions(); fns.register("echo", async (e) => e, { timeoutSeconds: 5 });
 * const out = await fns.invoke("echo", { hi: 1 }); // { ok: true, payload: { hi: 1 }, requestId }
 * ```
 */
export class LocalFunctions {
  readonly region: string;
  readonly #functions = new Map<string, Registration>();
  readonly #retryDelaysMs: readonly [number, number];
  readonly #onError: ((info: InvocationErrorInfo) => void) | undefined;
  readonly #background = new Set<Promise<void>>();
  readonly #pendingRetries = new Map<NodeJS.Timeout, () => void>();
  readonly #stats: FunctionStats = {
    invocations: 0,
    errors: 0,
    timeouts: 0,
    asyncEvents: 0,
    asyncRetries: 0,
    deadLettered: 0,
    abandoned: 0,
  };
  #stopped = false;

  constructor(options: LocalFunctionsOptions = {}) {
    this.region = options.region ?? DEFAULT_REGION;
    this.#retryDelaysMs = options.asyncRetryDelaysMs ?? [1_000, 2_000];
    this.#onError = options.onError;
  }

  /**
   * Registers a handler under a function name (`[A-Za-z0-9_-]{1,64}`, as Lambda).
   *
   * @example
   * ```ts
   * fns.register("relay", handler, { timeoutSeconds: 30, deadLetterQueue: dlq });
   * ```
   */
  register<TEvent, TResult>(
    name: string,
    handler: LambdaHandler<TEvent, TResult>,
    options: FunctionOptions = {},
  ): void {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) throw new InvalidParameterError("FunctionName", "1-64 of [A-Za-z0-9_-]");
    if (this.#functions.has(name)) throw new ResourceExistsError("function", name);
    const timeoutSeconds = options.timeoutSeconds ?? 3;
    if (!(timeoutSeconds > 0 && timeoutSeconds <= 900)) {
      throw new InvalidParameterError("timeoutSeconds", "must be greater than 0 and at most 900");
    }
    const maximumRetryAttempts = options.maximumRetryAttempts ?? 2;
    if (![0, 1, 2].includes(maximumRetryAttempts)) throw new InvalidParameterError("maximumRetryAttempts", "0, 1 or 2");
    this.#functions.set(name, {
      // Events arrive as JSON from outside; the handler's declared event type is its own claim, as in Lambda.
      handler: handler as LambdaHandler,
      timeoutSeconds,
      memoryLimitInMB: options.memoryLimitInMB ?? 128,
      maximumRetryAttempts,
      deadLetterQueue: options.deadLetterQueue,
    });
  }

  /**
   * Whether a function of that name is registered.
   *
   * @example
   * ```ts
   * fns.has("relay"); // true
   * ```
   */
  /**
   * Names of the registered functions, in registration order.
   *
   * @example
   * ```ts
   * [...fns.names()]; // ["relay", "watch-evm"]
   * ```
   */
  names(): IterableIterator<string> {
    return this.#functions.keys();
  }

  has(name: string): boolean {
    return this.#functions.has(name);
  }

  /**
   * The configured timeout of a function, in seconds.
   *
   * @example
   * ```ts
   * fns.timeoutSecondsOf("relay"); // 3
   * ```
   */
  timeoutSecondsOf(name: string): number {
    return this.#get(name).timeoutSeconds;
  }

  /**
   * Runs the function once and reports its result or its error payload (never throws for a function error; throws
   * {@link ResourceNotFoundError} for an unknown function). The result goes through JSON, as over the wire.
   *
   * @example
   * ```ts
   * const out = await fns.invoke("relay", event); if (!out.ok) out.error.errorType;
   * ```
   */
  async invoke(name: string, event: unknown): Promise<InvocationOutcome> {
    const fn = this.#get(name);
    const requestId = randomUUID();
    const outcome = await this.#run(name, fn, event, requestId);
    if (!outcome.ok)
      this.#onError?.({
        functionName: name,
        requestId,
        invocationType: "RequestResponse",
        attempt: 1,
        error: outcome.cause,
      });
    return outcome;
  }

  /**
   * Queues an asynchronous (Event) invocation and returns its request id at once. A failed attempt is retried
   * `maximumRetryAttempts` times after the retry delays; then the event goes to the function's dead-letter queue
   * with the `RequestID`, `ErrorCode` and `ErrorMessage` attributes Lambda sets.
   *
   * @example
   * ```ts
   * const requestId = fns.invokeAsync("fanout", { batch: 1 });
   * ```
   */
  invokeAsync(name: string, event: unknown): string {
    const fn = this.#get(name);
    if (this.#stopped) throw new RuntimeStateError("The local functions are stopped; no new async events.");
    const requestId = randomUUID();
    this.#stats.asyncEvents++;
    const task = this.#runAsync(name, fn, event, requestId).finally(() => this.#background.delete(task));
    this.#background.add(task);
    return requestId;
  }

  /**
   * Resolves once no asynchronous invocation is running or waiting for a retry.
   *
   * @example
   * ```ts
   * fns.invokeAsync("fanout", e); await fns.idle();
   * ```
   */
  async idle(): Promise<void> {
    while (this.#background.size > 0) await Promise.allSettled([...this.#background]);
  }

  /**
   * Stops accepting asynchronous events, drops pending retries (counted as `abandoned`) and waits for running ones.
   *
   * @example
   * ```ts
   * await fns.stop();
   * ```
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const [timer, cancel] of this.#pendingRetries) {
      clearTimeout(timer);
      cancel();
    }
    this.#pendingRetries.clear();
    await this.idle();
  }

  /**
   * Counters over all functions.
   *
   * @example
   * ```ts
   * fns.stats().deadLettered; // 1
   * ```
   */
  stats(): FunctionStats {
    return { ...this.#stats };
  }

  #get(name: string): Registration {
    const fn = this.#functions.get(name);
    if (!fn) throw new ResourceNotFoundError("function", name);
    return fn;
  }

  async #run(name: string, fn: Registration, event: unknown, requestId: string): Promise<InvocationOutcome> {
    this.#stats.invocations++;
    const timeoutMs = fn.timeoutSeconds * 1000;
    const context = createLambdaContext({
      functionName: name,
      awsRequestId: requestId,
      region: this.region,
      timeoutMs,
      memoryLimitInMB: fn.memoryLimitInMB,
      startedAt: Date.now(),
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new LambdaTimeoutError(fn.timeoutSeconds)), timeoutMs);
    });
    try {
      const result = await Promise.race([Promise.resolve().then(() => fn.handler(event, context)), timedOut]);
      return { ok: true, requestId, payload: toJsonValue(result) };
    } catch (error) {
      this.#stats.errors++;
      if (error instanceof LambdaTimeoutError) this.#stats.timeouts++;
      return { ok: false, requestId, error: toFunctionError(error), cause: error };
    } finally {
      clearTimeout(timer);
    }
  }

  async #runAsync(name: string, fn: Registration, event: unknown, requestId: string): Promise<void> {
    let last: InvocationOutcome | undefined;
    for (let attempt = 1; attempt <= 1 + fn.maximumRetryAttempts; attempt++) {
      if (attempt > 1) {
        this.#stats.asyncRetries++;
        const waited = await this.#waitForRetry(this.#retryDelaysMs[attempt - 2] ?? 0);
        if (!waited) {
          this.#stats.abandoned++;
          return;
        }
      }
      last = await this.#run(name, fn, event, requestId);
      if (last.ok) return;
      this.#onError?.({ functionName: name, requestId, invocationType: "Event", attempt, error: last.cause });
    }
    if (!fn.deadLetterQueue || !last || last.ok) return;
    try {
      fn.deadLetterQueue.send(JSON.stringify(event ?? {}), {
        attributes: {
          RequestID: requestId,
          ErrorCode: { dataType: "Number", stringValue: "200" },
          ErrorMessage: last.error.errorMessage.slice(0, 1024) || last.error.errorType,
        },
      });
      this.#stats.deadLettered++;
    } catch (error) {
      this.#onError?.({ functionName: name, requestId, invocationType: "Event", attempt: 0, error });
    }
  }

  /** Resolves true after `ms`, or false if `stop()` cancelled the wait. */
  #waitForRetry(ms: number): Promise<boolean> {
    if (this.#stopped) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pendingRetries.delete(timer);
        resolve(true);
      }, ms);
      this.#pendingRetries.set(timer, () => resolve(false));
    });
  }
}

/** A handler's result as it arrives on the other side of the wire (undefined becomes null, as in Lambda). */
function toJsonValue(result: unknown): unknown {
  if (result === undefined) return null;
  const text = JSON.stringify(result);
  return text === undefined ? null : (JSON.parse(text) as unknown);
}
