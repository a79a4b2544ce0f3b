import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { z } from "zod";
import { InvalidBatchResponseError, InvalidParameterError, RuntimeStateError } from "../errors.ts";
import { LocalFunctions } from "../lambda/LocalFunctions.ts";
import type { LocalQueue, ReceivedMessage } from "./LocalQueue.ts";

/**
 * An SQS-triggered Lambda handler (`@types/aws-lambda`'s `SQSHandler`, promise style).
 *
 * @example
 * ```ts
 * const handler: SqsHandler = async (event) => ({ batchItemFailures: [] });
 * ```
 */
// biome-ignore lint/suspicious/noConfusingVoidType: an async handler that returns nothing is typed Promise<void>.
export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

/**
 * What the consumer runs: a handler of its own, or a function registered in a shared {@link LocalFunctions}.
 *
 * @example
 * ```ts
 * { functions: runtime.functions, functionName: "relay" } // or { handler, timeoutSeconds: 10 }
 * ```
 */
export type ConsumerTarget =
  | { handler: SqsHandler; functionName?: string; timeoutSeconds?: number }
  | { functions: LocalFunctions; functionName: string };

/**
 * Options of a {@link QueueConsumer} (those of a Lambda SQS event source mapping).
 *
 * @example
 * ```ts
 * new QueueConsumer({ queue, handler, batchSize: 10, maxConcurrency: 2 });
 * ```
 */
export type QueueConsumerOptions = ConsumerTarget & {
  queue: LocalQueue;
  /** Messages per batch, 1..10 (default 10). */
  batchSize?: number;
  /** Batches handled at once (default 2, the minimum of an SQS event source mapping). */
  maxConcurrency?: number;
  /** How often an idle consumer polls for delayed or re-visible messages (sends wake it at once). Default 20 ms. */
  pollIntervalMs?: number;
  /** Honour `batchItemFailures` (the mapping's `ReportBatchItemFailures`); default true. */
  reportBatchItemFailures?: boolean;
  /** Hears about failed batches (logging and tests). */
  onError?: (error: unknown, messageIds: readonly string[]) => void;
};

/**
 * Counters of a consumer.
 *
 * @example
 * ```ts
 * const { succeeded, partiallyFailed, failed }: ConsumerStats = consumer.stats();
 * ```
 */
export interface ConsumerStats {
  batches: number;
  succeeded: number;
  partiallyFailed: number;
  failed: number;
  deleted: number;
  /** Deletes refused because the message was delivered again meanwhile (its visibility timeout had expired). */
  staleDeletes: number;
  inFlight: number;
}

// An empty or null response (or one without failures) is a full success; anything else that does not fit is a
// full failure, as Lambda treats it.
const batchResponseSchema = z.union([
  z.null(),
  z.looseObject({
    batchItemFailures: z.array(z.looseObject({ itemIdentifier: z.string().min(1) })).nullish(),
  }),
]);

function toRecord(message: ReceivedMessage, queue: LocalQueue): SQSRecord {
  return {
    messageId: message.messageId,
    receiptHandle: message.receiptHandle,
    body: message.body,
    attributes: message.attributes,
    messageAttributes: message.messageAttributes,
    md5OfBody: message.md5OfBody,
    ...(message.md5OfMessageAttributes === undefined ? {} : { md5OfMessageAttributes: message.md5OfMessageAttributes }),
    eventSource: "aws:sqs",
    eventSourceARN: queue.arn,
    awsRegion: queue.region,
  };
}

/**
 * Polls a {@link LocalQueue} and invokes a handler with batches shaped exactly like AWS's SQS event, as a Lambda
 * event source mapping does: on success the batch is deleted; with a partial batch response only the listed
 * `batchItemFailures` stay (to be re-delivered after their visibility timeout); a thrown error, a timeout or an
 * invalid response leaves the whole batch. Batches run with bounded concurrency; `stop()` waits for them.
 *
 * @example
 * ```ts
 * const consumer = new QueueConsumer({ queue, handler: async (event) => ({ batchItemFailures: [] }), batchSize: 5 });
 * consumer.start(); ...; await consumer.stop();
 * ```
 */
export class QueueConsumer {
  readonly queue: LocalQueue;
  readonly #functions: LocalFunctions;
  readonly #functionName: string;
  readonly #batchSize: number;
  readonly #maxConcurrency: number;
  readonly #pollIntervalMs: number;
  readonly #reportBatchItemFailures: boolean;
  readonly #onError: ((error: unknown, messageIds: readonly string[]) => void) | undefined;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #stats = { batches: 0, succeeded: 0, partiallyFailed: 0, failed: 0, deleted: 0, staleDeletes: 0 };
  #state: "new" | "running" | "stopped" = "new";
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #unsubscribe: (() => void) | undefined;

  constructor(options: QueueConsumerOptions) {
    this.queue = options.queue;
    if ("functions" in options) {
      this.#functions = options.functions;
      this.#functionName = options.functionName;
    } else {
      this.#functions = new LocalFunctions({ region: options.queue.region });
      this.#functionName = options.functionName ?? `${options.queue.name}-consumer`;
      this.#functions.register(this.#functionName, options.handler, {
        timeoutSeconds: options.timeoutSeconds ?? Math.max(1, Math.min(900, options.queue.visibilityTimeoutSeconds)),
      });
    }
    this.#batchSize = options.batchSize ?? 10;
    if (!Number.isInteger(this.#batchSize) || this.#batchSize < 1 || this.#batchSize > 10) {
      throw new InvalidParameterError("batchSize", "must be an integer from 1 to 10");
    }
    this.#maxConcurrency = options.maxConcurrency ?? 2;
    if (!Number.isInteger(this.#maxConcurrency) || this.#maxConcurrency < 1) {
      throw new InvalidParameterError("maxConcurrency", "must be a positive integer");
    }
    this.#pollIntervalMs = options.pollIntervalMs ?? 20;
    this.#reportBatchItemFailures = options.reportBatchItemFailures ?? true;
    this.#onError = options.onError;
  }

  /**
   * Starts polling in the background.
   *
   * @example
   * ```ts
   * consumer.start();
   * ```
   */
  start(): void {
    if (this.#state === "running") return;
    if (this.#state === "stopped") throw new RuntimeStateError("A stopped QueueConsumer cannot start again.");
    this.#state = "running";
    this.#unsubscribe = this.queue.onMessageAvailable(() => this.#wake?.());
    this.#loop = this.#run();
  }

  /**
   * Stops polling and resolves once every in-flight batch has finished (and been deleted or left on the queue).
   *
   * @example
   * ```ts
   * await consumer.stop();
   * ```
   */
  async stop(): Promise<void> {
    const wasRunning = this.#state === "running";
    this.#state = "stopped";
    this.#unsubscribe?.();
    this.#wake?.();
    if (wasRunning) await this.#loop;
    await this.idle();
  }

  /**
   * Receives as many batches as free concurrency allows, handles them and resolves with the number of messages
   * handed to the handler. For tests that drive the queue with a `ManualClock` instead of `start()`.
   *
   * @example
   * ```ts
   * await consumer.pollOnce(); // 3
   * ```
   */
  async pollOnce(): Promise<number> {
    const { batches, messages } = this.#fill();
    await Promise.allSettled(batches);
    return messages;
  }

  /**
   * Resolves once no batch is in flight.
   *
   * @example
   * ```ts
   * await consumer.idle();
   * ```
   */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /**
   * Counters, and the batches in flight now.
   *
   * @example
   * ```ts
   * consumer.stats().partiallyFailed; // 1
   * ```
   */
  stats(): ConsumerStats {
    return { ...this.#stats, inFlight: this.#inFlight.size };
  }

  async #run(): Promise<void> {
    while (this.#state === "running") {
      this.#fill();
      // Sleep until a send, a finished batch, stop(), or the poll interval (delays and visibility expiries).
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.#pollIntervalMs);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }

  #fill(): { batches: Promise<void>[]; messages: number } {
    const batches: Promise<void>[] = [];
    let messages = 0;
    while (this.#inFlight.size < this.#maxConcurrency && this.#state !== "stopped") {
      const received = this.queue.receive({ maxMessages: this.#batchSize });
      if (received.length === 0) break;
      messages += received.length;
      const batch = this.#handle(received).finally(() => {
        this.#inFlight.delete(batch);
        this.#wake?.();
      });
      this.#inFlight.add(batch);
      batches.push(batch);
    }
    return { batches, messages };
  }

  async #handle(messages: ReceivedMessage[]): Promise<void> {
    this.#stats.batches++;
    const records = messages.map((m) => toRecord(m, this.queue));
    const ids = records.map((r) => r.messageId);
    const outcome = await this.#functions.invoke(this.#functionName, { Records: records } satisfies SQSEvent);
    if (!outcome.ok) {
      // The whole batch stays; each message is re-delivered once its visibility timeout expires.
      this.#stats.failed++;
      this.#onError?.(outcome.cause, ids);
      return;
    }
    const failedIds = this.#reportBatchItemFailures ? this.#failedIds(outcome.payload, ids) : new Set<string>();
    if (failedIds === "invalid") {
      this.#stats.failed++;
      return;
    }
    for (const record of records) {
      if (failedIds.has(record.messageId)) continue;
      if (this.queue.delete(record.receiptHandle)) this.#stats.deleted++;
      else this.#stats.staleDeletes++;
    }
    if (failedIds.size === 0) this.#stats.succeeded++;
    else {
      this.#stats.partiallyFailed++;
      this.#onError?.(new Error(`${failedIds.size} of ${ids.length} messages failed`), [...failedIds]);
    }
  }

  #failedIds(payload: unknown, ids: readonly string[]): Set<string> | "invalid" {
    const parsed = batchResponseSchema.safeParse(payload);
    const problem = !parsed.success
      ? "the response is not a batch response"
      : parsed.data?.batchItemFailures?.find((f) => !ids.includes(f.itemIdentifier))
        ? "an itemIdentifier is not a message id of the batch"
        : undefined;
    if (problem !== undefined || !parsed.success) {
      this.#onError?.(new InvalidBatchResponseError(problem ?? "invalid"), ids);
      return "invalid";
    }
    return new Set(parsed.data?.batchItemFailures?.map((f) => f.itemIdentifier) ?? []);
  }
}
