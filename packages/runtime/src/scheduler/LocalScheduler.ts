import { randomUUID } from "node:crypto";
import type { Clock } from "@slabridge/core";
import type { Context, EventBridgeEvent } from "aws-lambda";
import { DEFAULT_REGION, LOCAL_ACCOUNT_ID, localArn } from "../aws.ts";
import { systemClock } from "../clock.ts";
import { InvalidParameterError, ResourceExistsError, RuntimeStateError } from "../errors.ts";
import { type FunctionErrorPayload, LocalFunctions, toFunctionError } from "../lambda/LocalFunctions.ts";
import type { LocalQueue } from "../queue/LocalQueue.ts";
import { parseRate } from "./parseRate.ts";

/**
 * The event a scheduled function receives: EventBridge's "Scheduled Event" with the schedule as its resource.
 *
 * @example
 * ```ts
 * const handler = async (event: ScheduledInvocationEvent<{ job: string }>) => event.detail.job;
 * ```
 */
export type ScheduledInvocationEvent<TDetail = unknown> = EventBridgeEvent<"Scheduled Event", TDetail>;

/**
 * A scheduled Lambda handler.
 *
 * @example
 * ```ts
 * const sweep: ScheduleHandler = async (event) => { await sweepStuckJobs(event.time); };
 * ```
 */
export type ScheduleHandler<TDetail = unknown> = (
  event: ScheduledInvocationEvent<TDetail>,
  context: Context,
) => Promise<unknown>;

/**
 * EventBridge Scheduler's retry policy (what SST CronV2's `retries` sets).
 *
 * @example
 * ```ts
 * scheduler.addSchedule("s", { rate: "1 minute", handler, retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 600 } });
 * ```
 */
export interface ScheduleRetryPolicy {
  /** 0..185 (AWS default 185). */
  maximumRetryAttempts?: number;
  /** 60..86400 (AWS default 86400): no retry starts once the event is older. */
  maximumEventAgeInSeconds?: number;
}

/**
 * One schedule: a rate, a target, retries and a dead-letter queue.
 *
 * @example
 * ```ts
 * scheduler.addSchedule("probe", { rate: "10 seconds", functions, functionName: "prober", deadLetterQueue: dlq });
 * ```
 */
export type ScheduleOptions = (
  | { handler: ScheduleHandler; timeoutSeconds?: number }
  | { functions: LocalFunctions; functionName: string }
) & {
  /** `"1 minute"`, `"rate(5 minutes)"`, `"10 seconds"` or ms. */
  rate: string | number;
  retryPolicy?: ScheduleRetryPolicy;
  /** Where an event goes once its retries are exhausted. */
  deadLetterQueue?: LocalQueue;
  /** The event's `detail` (default `{}`). */
  input?: unknown;
};

/**
 * Options of a {@link LocalScheduler}.
 *
 * @example
 * ```ts
 * new LocalScheduler({ clock: new ManualClock(), retryBaseDelayMs: 500 });
 * ```
 */
export interface LocalSchedulerOptions {
  clock?: Clock;
  region?: string;
  /** First retry delay; each further retry doubles it, up to `maxRetryDelayMs`. Default 1 s. */
  retryBaseDelayMs?: number;
  /** Default 60 s. */
  maxRetryDelayMs?: number;
  /** Hears about failed attempts (logging and tests). */
  onError?: (scheduleName: string, error: FunctionErrorPayload, attempt: number) => void;
}

/**
 * Counters of one schedule.
 *
 * @example
 * ```ts
 * const { runs, skipped, deadLettered }: ScheduleStats = scheduler.stats("sweep");
 * ```
 */
export interface ScheduleStats {
  /** Runs started (one per tick that was not skipped). */
  runs: number;
  succeeded: number;
  /** Attempts that failed (a run that succeeds on its second attempt counts one). */
  failedAttempts: number;
  retries: number;
  /** Ticks skipped because the previous run (with its retries) was still going. */
  skipped: number;
  deadLettered: number;
  /** Runs still waiting for a retry when the scheduler stopped. */
  abandoned: number;
}

interface Run {
  event: ScheduledInvocationEvent;
  scheduledAt: number;
  /** Attempts made so far. */
  attempts: number;
  retryAt: number | undefined;
  executing: Promise<void> | undefined;
}

interface Schedule {
  name: string;
  arn: string;
  everyMs: number;
  nextAt: number;
  functions: LocalFunctions;
  functionName: string;
  maximumRetryAttempts: number;
  maximumEventAgeMs: number;
  deadLetterQueue: LocalQueue | undefined;
  input: unknown;
  run: Run | undefined;
  stats: ScheduleStats;
  /** EventBridge Scheduler's schedule `State`: a disabled schedule starts no new run (a running one finishes). */
  state: ScheduleState;
}

/** A schedule's `State`, as EventBridge Scheduler names it. */
export type ScheduleState = "ENABLED" | "DISABLED";

function checkInteger(parameter: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidParameterError(parameter, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

/**
 * Rate schedules with the semantics of SST CronV2 (EventBridge Scheduler): every `rate` the target runs with a
 * "Scheduled Event"; a failed attempt is retried with exponential backoff while the retry policy allows
 * (`maximumRetryAttempts`, `maximumEventAgeInSeconds`), then the event goes to the dead-letter queue. Runs of one
 * schedule never overlap: a tick that finds the previous run (or its pending retry) still going is skipped and
 * counted. Time comes from a `Clock`; `tick()` does all the work, so tests drive it with a `ManualClock`, and
 * `start()` only calls `tick()` on a timer.
 *
 * Differences from AWS, on purpose: Scheduler hands a Lambda target to Lambda's async queue (whose own 2 retries
 * apply first); here the schedule's retry policy applies directly to the handler's failure, which is what a cron
 * job's author means by `retries`. Rates may be given in seconds (AWS: one minute at least).
 *
 * @example
 * ```ts
 * const scheduler = new LocalScheduler();
 * scheduler.addSchedule("sweep", { rate: "10 seconds", handler: async () => sweep(), retryPolicy: { maximumRetryAttempts: 2 }, deadLetterQueue: dlq });
 * scheduler.start(); ...; await scheduler.stop();
 * ```
 */
export class LocalScheduler {
  readonly region: string;
  readonly #clock: Clock;
  readonly #schedules = new Map<string, Schedule>();
  readonly #ownFunctions: LocalFunctions;
  readonly #retryBaseDelayMs: number;
  readonly #maxRetryDelayMs: number;
  readonly #onError: LocalSchedulerOptions["onError"];
  #state: "new" | "running" | "stopped" = "new";
  #timer: NodeJS.Timeout | undefined;

  constructor(options: LocalSchedulerOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.region = options.region ?? DEFAULT_REGION;
    this.#ownFunctions = new LocalFunctions({ region: this.region });
    this.#retryBaseDelayMs = options.retryBaseDelayMs ?? 1_000;
    this.#maxRetryDelayMs = options.maxRetryDelayMs ?? 60_000;
    this.#onError = options.onError;
  }

  /**
   * Adds a schedule; its first run is one `rate` from now (as a new rate schedule in AWS).
   *
   * @example
   * ```ts
   * scheduler.addSchedule("probe", { rate: "1 minute", functions, functionName: "prober" });
   * ```
   */
  addSchedule(name: string, options: ScheduleOptions): void {
    if (!/^[0-9a-zA-Z_.-]{1,64}$/.test(name)) throw new InvalidParameterError("name", "1-64 of [0-9a-zA-Z_.-]");
    if (this.#schedules.has(name)) throw new ResourceExistsError("schedule", name);
    if (this.#state === "stopped") throw new RuntimeStateError("The scheduler is stopped.");
    const everyMs = parseRate(options.rate);
    const policy = options.retryPolicy ?? {};
    let functions: LocalFunctions;
    let functionName: string;
    if ("functions" in options) {
      functions = options.functions;
      functionName = options.functionName;
    } else {
      functions = this.#ownFunctions;
      functionName = `schedule-${name.replaceAll(".", "_")}`;
      functions.register(functionName, options.handler, { timeoutSeconds: options.timeoutSeconds ?? 60 });
    }
    this.#schedules.set(name, {
      name,
      arn: localArn("scheduler", this.region, `schedule/default/${name}`),
      everyMs,
      nextAt: this.#clock.now() + everyMs,
      functions,
      functionName,
      maximumRetryAttempts: checkInteger("maximumRetryAttempts", policy.maximumRetryAttempts ?? 185, 0, 185),
      maximumEventAgeMs:
        checkInteger("maximumEventAgeInSeconds", policy.maximumEventAgeInSeconds ?? 86_400, 60, 86_400) * 1000,
      deadLetterQueue: options.deadLetterQueue,
      input: options.input ?? {},
      run: undefined,
      stats: { runs: 0, succeeded: 0, failedAttempts: 0, retries: 0, skipped: 0, deadLettered: 0, abandoned: 0 },
      state: "ENABLED",
    });
  }

  /**
   * Does whatever is due at the clock's time: new runs of due schedules (or a skip, if the previous run is still
   * going) and due retries. Resolves when the attempts it started have finished.
   *
   * @example
   * ```ts
   * clock.advance(10_000); await scheduler.tick();
   * ```
   */
  async tick(): Promise<void> {
    const now = this.#clock.now();
    const started: Promise<void>[] = [];
    for (const schedule of this.#schedules.values()) {
      const { run } = schedule;
      if (run && run.executing === undefined && run.retryAt !== undefined && run.retryAt <= now) {
        started.push(this.#attempt(schedule, run));
      }
      if (schedule.nextAt > now || schedule.state === "DISABLED") continue;
      const scheduledAt = schedule.nextAt;
      // Missed intervals (a stalled process, a big clock jump) collapse into this one run.
      schedule.nextAt += Math.floor((now - schedule.nextAt) / schedule.everyMs + 1) * schedule.everyMs;
      if (schedule.run) {
        schedule.stats.skipped++;
        continue;
      }
      schedule.stats.runs++;
      const fresh: Run = {
        event: this.#event(schedule, scheduledAt),
        scheduledAt,
        attempts: 0,
        retryAt: undefined,
        executing: undefined,
      };
      schedule.run = fresh;
      started.push(this.#attempt(schedule, fresh));
    }
    await Promise.allSettled(started);
  }

  /**
   * Ticks on a timer until `stop()`, waking when the next run or retry is due (at least once a second).
   *
   * @example
   * ```ts
   * scheduler.start();
   * ```
   */
  start(): void {
    if (this.#state === "running") return;
    if (this.#state === "stopped") throw new RuntimeStateError("A stopped LocalScheduler cannot start again.");
    this.#state = "running";
    this.#arm();
  }

  /**
   * Stops ticking, waits for running attempts and drops pending retries (counted as `abandoned`).
   *
   * @example
   * ```ts
   * await scheduler.stop();
   * ```
   */
  async stop(): Promise<void> {
    this.#state = "stopped";
    clearTimeout(this.#timer);
    await this.idle();
    for (const schedule of this.#schedules.values()) {
      if (schedule.run?.retryAt !== undefined) schedule.stats.abandoned++;
      schedule.run = undefined;
    }
    await this.#ownFunctions.stop();
  }

  /**
   * Resolves once no attempt is executing (pending retries do not count).
   *
   * @example
   * ```ts
   * await scheduler.idle();
   * ```
   */
  async idle(): Promise<void> {
    for (;;) {
      const executing = [...this.#schedules.values()].flatMap((s) => (s.run?.executing ? [s.run.executing] : []));
      if (executing.length === 0) return;
      await Promise.allSettled(executing);
    }
  }

  /**
   * Counters of one schedule.
   *
   * @example
   * ```ts
   * scheduler.stats("sweep").skipped; // 2
   * ```
   */
  /**
   * Enables or disables a schedule, as `UpdateSchedule` with `State` does: while disabled it starts no new run (a run
   * already going, and its retries, finish); enabled again, its next run is one rate from now.
   *
   * @example
   * ```ts
   * scheduler.setScheduleState("probe", "DISABLED");
   * ```
   */
  setScheduleState(name: string, state: ScheduleState): void {
    const schedule = this.#schedules.get(name);
    if (!schedule) throw new InvalidParameterError("name", `no schedule named "${name}"`);
    if (state === "ENABLED" && schedule.state === "DISABLED") schedule.nextAt = this.#clock.now() + schedule.everyMs;
    schedule.state = state;
  }

  stats(name: string): ScheduleStats {
    const schedule = this.#schedules.get(name);
    if (!schedule) throw new InvalidParameterError("name", `no schedule named "${name}"`);
    return { ...schedule.stats };
  }

  #event(schedule: Schedule, scheduledAt: number): ScheduledInvocationEvent {
    return {
      version: "0",
      id: randomUUID(),
      "detail-type": "Scheduled Event",
      source: "aws.scheduler",
      account: LOCAL_ACCOUNT_ID,
      time: new Date(scheduledAt).toISOString().replace(/\.\d{3}Z$/, "Z"),
      region: this.region,
      resources: [schedule.arn],
      detail: schedule.input,
    };
  }

  #attempt(schedule: Schedule, run: Run): Promise<void> {
    run.retryAt = undefined;
    run.attempts++;
    const executing = this.#execute(schedule, run).finally(() => {
      run.executing = undefined;
      if (run.retryAt === undefined && schedule.run === run) schedule.run = undefined;
      if (this.#state === "running") this.#arm();
    });
    run.executing = executing;
    return executing;
  }

  async #execute(schedule: Schedule, run: Run): Promise<void> {
    const outcome = await schedule.functions.invoke(schedule.functionName, run.event);
    if (outcome.ok) {
      schedule.stats.succeeded++;
      return;
    }
    schedule.stats.failedAttempts++;
    this.#onError?.(schedule.name, outcome.error, run.attempts);
    const retriesDone = run.attempts - 1;
    const retryAt = this.#clock.now() + Math.min(this.#retryBaseDelayMs * 2 ** retriesDone, this.#maxRetryDelayMs);
    if (retriesDone < schedule.maximumRetryAttempts && retryAt - run.scheduledAt <= schedule.maximumEventAgeMs) {
      schedule.stats.retries++;
      run.retryAt = retryAt;
      return;
    }
    if (!schedule.deadLetterQueue) return;
    try {
      this.#deadLetter(schedule, run, outcome.error, retriesDone);
    } catch (error) {
      // e.g. an input too large for SQS: report it rather than lose the reason silently.
      this.#onError?.(schedule.name, toFunctionError(error), run.attempts);
    }
  }

  #deadLetter(schedule: Schedule, run: Run, error: FunctionErrorPayload, retriesDone: number): void {
    schedule.deadLetterQueue?.send(JSON.stringify(run.event), {
      attributes: {
        ERROR_CODE: error.errorType,
        ERROR_MESSAGE: error.errorMessage.slice(0, 1024) || error.errorType,
        EXECUTION_ID: run.event.id,
        SCHEDULE_ARN: schedule.arn,
        TARGET_ARN: localArn("lambda", this.region, `function:${schedule.functionName}`),
        RETRY_ATTEMPTS: { dataType: "Number", stringValue: String(retriesDone) },
      },
    });
    schedule.stats.deadLettered++;
  }

  #arm(): void {
    clearTimeout(this.#timer);
    const now = this.#clock.now();
    let due = Number.POSITIVE_INFINITY;
    for (const s of this.#schedules.values()) {
      due = Math.min(due, s.nextAt, s.run?.executing === undefined ? (s.run?.retryAt ?? due) : due);
    }
    const wait = Math.max(1, Math.min(1_000, due - now));
    this.#timer = setTimeout(() => {
      this.tick().catch(() => undefined);
      if (this.#state === "running") this.#arm();
    }, wait);
  }
}
