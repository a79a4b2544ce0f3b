import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { Clock } from "@slabridge/core";
import type { SQSMessageAttributes, SQSRecordAttributes } from "aws-lambda";
import { DEFAULT_REGION, localArn } from "../aws.ts";
import { systemClock } from "../clock.ts";
import { InvalidParameterError, MessageNotInflightError, ReceiptHandleIsInvalidError } from "../errors.ts";
import { type MessageAttributeInput, normalizeMessageAttributes } from "./messageAttributes.ts";

/** SQS limits the local queue enforces, so nothing that passes here is refused by AWS. */
const MAX_BODY_BYTES = 262_144;
const MAX_DELAY_SECONDS = 900;
const MAX_VISIBILITY_SECONDS = 43_200;
/** An IAM principal id in the format AWS puts in `SenderId`. */
const LOCAL_SENDER_ID = "AIDALOCALSLABRIDGE000";

/**
 * Where messages go after `maxReceiveCount` receives without a delete (an SQS redrive policy).
 *
 * @example
 * ```ts
 * new LocalQueue({ name: "jobs", redrivePolicy: { deadLetterQueue: dlq, maxReceiveCount: 3 } });
 * ```
 */
export interface RedrivePolicy {
  deadLetterQueue: LocalQueue;
  /** 1..1000, as in SQS. */
  maxReceiveCount: number;
}

/**
 * Options of a {@link LocalQueue}.
 *
 * @example
 * ```ts
 * new LocalQueue({ name: "jobs", visibilityTimeoutSeconds: 30, clock: new ManualClock() });
 * ```
 */
export interface LocalQueueOptions {
  name: string;
  /** Default visibility timeout of received messages, 0..43200 s (SQS default 30). */
  visibilityTimeoutSeconds?: number;
  /** Default delay of sent messages, 0..900 s. */
  delaySeconds?: number;
  redrivePolicy?: RedrivePolicy;
  region?: string;
  clock?: Clock;
}

/**
 * Options of {@link LocalQueue.send}.
 *
 * @example
 * ```ts
 * queue.send("body", { delaySeconds: 10, attributes: { kind: "verdict" } });
 * ```
 */
export interface SendOptions {
  delaySeconds?: number;
  attributes?: Readonly<Record<string, MessageAttributeInput>>;
}

/**
 * Options of {@link LocalQueue.receive}.
 *
 * @example
 * ```ts
 * queue.receive({ maxMessages: 10, visibilityTimeoutSeconds: 60 });
 * ```
 */
export interface ReceiveOptions {
  /** 1..10 (default 1, as SQS). */
  maxMessages?: number;
  visibilityTimeoutSeconds?: number;
}

/**
 * One delivery of a message: the fields of an SQS Lambda event record that belong to the message.
 *
 * @example
 * ```ts
 * const [m]: ReceivedMessage[] = queue.receive(); m?.attributes.ApproximateReceiveCount; // "1"
 * ```
 */
export interface ReceivedMessage {
  messageId: string;
  /** Identifies this delivery; only the newest delivery's handle deletes the message. */
  receiptHandle: string;
  body: string;
  md5OfBody: string;
  md5OfMessageAttributes?: string;
  attributes: SQSRecordAttributes;
  messageAttributes: SQSMessageAttributes;
}

/**
 * Counts of a queue (the `ApproximateNumberOfMessages*` attributes plus lifetime counters).
 *
 * @example
 * ```ts
 * const { visible, inFlight, delayed }: QueueStats = queue.stats();
 * ```
 */
export interface QueueStats {
  visible: number;
  inFlight: number;
  delayed: number;
  sent: number;
  received: number;
  deleted: number;
  movedToDeadLetter: number;
  redriven: number;
}

interface StoredMessage {
  messageId: string;
  body: string;
  md5OfBody: string;
  messageAttributes: SQSMessageAttributes;
  md5OfMessageAttributes: string | undefined;
  sentTimestamp: number;
  /** Hidden until then (a delayed or in-flight message). */
  visibleAt: number;
  receiveCount: number;
  firstReceiveTimestamp: number | undefined;
  /** The newest delivery's handle; older handles no longer match. */
  receiptHandle: string | undefined;
  /** Set while in a dead-letter queue: the queue it came from (for redrive). */
  deadLetterSource: LocalQueue | undefined;
}

function checkRange(parameter: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidParameterError(parameter, `must be an integer from ${min} to ${max}, got ${value}`);
  }
  return value;
}

/**
 * An in-memory queue with SQS standard-queue semantics: delayed sends, visibility timeouts with re-delivery,
 * per-delivery receipt handles (a stale handle cannot delete a newer delivery), `ApproximateReceiveCount`, a redrive
 * policy to a dead-letter `LocalQueue` and redrive back. Time comes from an injectable `Clock`; nothing runs on a
 * timer, visibility is computed on each call, so a `ManualClock` drives it completely. Messages move to the
 * dead-letter queue during a `receive`, when they would exceed `maxReceiveCount`, as in SQS.
 *
 * @example
 * ```ts
 * const q = new LocalQueue({ name: "jobs", visibilityTimeoutSeconds: 30 });
 * q.send(JSON.stringify({ id: 1 })); const [m] = q.receive(); if (m) q.delete(m.receiptHandle);
 * ```
 */
export class LocalQueue {
  readonly name: string;
  readonly arn: string;
  readonly region: string;
  readonly visibilityTimeoutSeconds: number;
  readonly delaySeconds: number;
  readonly redrivePolicy: RedrivePolicy | undefined;
  readonly #clock: Clock;
  /** Insertion order approximates SQS's best-effort ordering. */
  readonly #messages = new Map<string, StoredMessage>();
  /** Distinguishes this queue's handles from any other queue's. */
  readonly #handlePrefix = randomBytes(6).toString("base64url");
  readonly #listeners = new Set<() => void>();
  readonly #counters = { sent: 0, received: 0, deleted: 0, movedToDeadLetter: 0, redriven: 0 };

  constructor(options: LocalQueueOptions) {
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(options.name)) {
      throw new InvalidParameterError("name", "1-80 letters, digits, '-' or '_'");
    }
    this.name = options.name;
    this.region = options.region ?? DEFAULT_REGION;
    this.arn = localArn("sqs", this.region, options.name);
    this.visibilityTimeoutSeconds = checkRange(
      "visibilityTimeoutSeconds",
      options.visibilityTimeoutSeconds ?? 30,
      0,
      MAX_VISIBILITY_SECONDS,
    );
    this.delaySeconds = checkRange("delaySeconds", options.delaySeconds ?? 0, 0, MAX_DELAY_SECONDS);
    if (options.redrivePolicy) {
      checkRange("redrivePolicy.maxReceiveCount", options.redrivePolicy.maxReceiveCount, 1, 1000);
      if (options.redrivePolicy.deadLetterQueue === this) {
        throw new InvalidParameterError("redrivePolicy.deadLetterQueue", "a queue cannot be its own dead-letter queue");
      }
    }
    this.redrivePolicy = options.redrivePolicy;
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * Enqueues a message and returns its id. It becomes receivable after `delaySeconds` (default: the queue's).
   *
   * @example
   * ```ts
   * const id = queue.send("hello", { delaySeconds: 5, attributes: { kind: "verdict" } });
   * ```
   */
  send(body: string, options: SendOptions = {}): string {
    const bytes = Buffer.byteLength(body, "utf8");
    if (bytes === 0 || bytes > MAX_BODY_BYTES) {
      throw new InvalidParameterError("body", `must be 1 to ${MAX_BODY_BYTES} bytes, got ${bytes}`);
    }
    const delay = checkRange("delaySeconds", options.delaySeconds ?? this.delaySeconds, 0, MAX_DELAY_SECONDS);
    const { attributes, md5 } = normalizeMessageAttributes(options.attributes);
    const now = this.#clock.now();
    const messageId = randomUUID();
    this.#messages.set(messageId, {
      messageId,
      body,
      md5OfBody: createHash("md5").update(body, "utf8").digest("hex"),
      messageAttributes: attributes,
      md5OfMessageAttributes: md5,
      sentTimestamp: now,
      visibleAt: now + delay * 1000,
      receiveCount: 0,
      firstReceiveTimestamp: undefined,
      receiptHandle: undefined,
      deadLetterSource: undefined,
    });
    this.#counters.sent++;
    if (delay === 0) this.#notify();
    return messageId;
  }

  /**
   * Receives up to `maxMessages` visible messages and hides them for the visibility timeout. Each delivery gets a
   * new receipt handle and increments `ApproximateReceiveCount`. Messages already received `maxReceiveCount` times
   * are moved to the dead-letter queue instead of being delivered.
   *
   * @example
   * ```ts
   * const messages = queue.receive({ maxMessages: 10, visibilityTimeoutSeconds: 60 });
   * ```
   */
  receive(options: ReceiveOptions = {}): ReceivedMessage[] {
    const max = checkRange("maxMessages", options.maxMessages ?? 1, 1, 10);
    const visibility = checkRange(
      "visibilityTimeoutSeconds",
      options.visibilityTimeoutSeconds ?? this.visibilityTimeoutSeconds,
      0,
      MAX_VISIBILITY_SECONDS,
    );
    const now = this.#clock.now();
    const delivered: ReceivedMessage[] = [];
    for (const message of this.#messages.values()) {
      if (delivered.length >= max) break;
      if (message.visibleAt > now) continue;
      if (this.redrivePolicy && message.receiveCount >= this.redrivePolicy.maxReceiveCount) {
        this.#messages.delete(message.messageId);
        this.#counters.movedToDeadLetter++;
        this.redrivePolicy.deadLetterQueue.#accept(message, this, now);
        continue;
      }
      message.receiveCount++;
      message.firstReceiveTimestamp ??= now;
      message.receiptHandle = `${this.#handlePrefix}.${message.messageId}.${randomBytes(12).toString("base64url")}`;
      message.visibleAt = now + visibility * 1000;
      this.#counters.received++;
      delivered.push(this.#toReceived(message, message.receiptHandle));
    }
    return delivered;
  }

  /**
   * Deletes the message of this delivery. Returns false (and keeps the message) when the handle is stale — the
   * message was received again since, or is already gone — as SQS, which accepts the call but deletes nothing.
   *
   * @example
   * ```ts
   * queue.delete(message.receiptHandle); // true
   * ```
   */
  delete(receiptHandle: string): boolean {
    const message = this.#byHandle(receiptHandle);
    if (!message) return false;
    this.#messages.delete(message.messageId);
    this.#counters.deleted++;
    return true;
  }

  /**
   * Sets how long an in-flight message stays hidden, counted from now (0 makes it visible at once).
   *
   * @example
   * ```ts
   * queue.changeVisibility(message.receiptHandle, 120); // needs more time
   * ```
   */
  changeVisibility(receiptHandle: string, visibilityTimeoutSeconds: number): void {
    checkRange("visibilityTimeoutSeconds", visibilityTimeoutSeconds, 0, MAX_VISIBILITY_SECONDS);
    const message = this.#byHandle(receiptHandle);
    const now = this.#clock.now();
    if (!message || message.visibleAt <= now) throw new MessageNotInflightError(this.name);
    message.visibleAt = now + visibilityTimeoutSeconds * 1000;
    if (visibilityTimeoutSeconds === 0) this.#notify();
  }

  /**
   * Operator action: moves the messages this queue sent to its dead-letter queue (those not in flight there) back
   * here with a fresh receive count. Returns how many moved.
   *
   * @example
   * ```ts
   * const moved = jobs.redriveFromDeadLetter();
   * ```
   */
  redriveFromDeadLetter(): number {
    const dlq = this.redrivePolicy?.deadLetterQueue;
    if (!dlq) throw new InvalidParameterError("redrivePolicy", `queue "${this.name}" has no dead-letter queue`);
    const now = this.#clock.now();
    let moved = 0;
    for (const message of dlq.#messages.values()) {
      if (message.deadLetterSource !== this || message.visibleAt > now) continue;
      dlq.#messages.delete(message.messageId);
      this.#accept(message, undefined, now);
      moved++;
    }
    this.#counters.redriven += moved;
    return moved;
  }

  /**
   * Deletes every message (SQS `PurgeQueue`).
   *
   * @example
   * ```ts
   * queue.purge();
   * ```
   */
  purge(): void {
    this.#messages.clear();
  }

  /**
   * Current counts: visible, in flight, delayed; and lifetime counters.
   *
   * @example
   * ```ts
   * queue.stats().inFlight; // 3
   * ```
   */
  stats(): QueueStats {
    const now = this.#clock.now();
    let visible = 0;
    let inFlight = 0;
    let delayed = 0;
    for (const message of this.#messages.values()) {
      if (message.visibleAt <= now) visible++;
      else if (message.receiveCount > 0) inFlight++;
      else delayed++;
    }
    return { visible, inFlight, delayed, ...this.#counters };
  }

  /**
   * Calls `listener` whenever a message may have become receivable without the clock moving (a send, a redrive,
   * a visibility set to 0), so a consumer can wake without waiting for its next poll. Returns the unsubscribe.
   *
   * @example
   * ```ts
   * const off = queue.onMessageAvailable(() => wake()); off();
   * ```
   */
  onMessageAvailable(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #accept(message: StoredMessage, deadLetterSource: LocalQueue | undefined, now: number): void {
    // The message keeps its id, body and SentTimestamp; its receive history starts over here, as in SQS.
    this.#messages.set(message.messageId, {
      ...message,
      visibleAt: now,
      receiveCount: 0,
      firstReceiveTimestamp: undefined,
      receiptHandle: undefined,
      deadLetterSource,
    });
    this.#notify();
  }

  #byHandle(receiptHandle: string): StoredMessage | undefined {
    const [prefix, messageId] = receiptHandle.split(".");
    if (prefix !== this.#handlePrefix || messageId === undefined) throw new ReceiptHandleIsInvalidError(this.name);
    const message = this.#messages.get(messageId);
    return message?.receiptHandle === receiptHandle ? message : undefined;
  }

  #toReceived(message: StoredMessage, receiptHandle: string): ReceivedMessage {
    return {
      messageId: message.messageId,
      receiptHandle,
      body: message.body,
      md5OfBody: message.md5OfBody,
      ...(message.md5OfMessageAttributes === undefined
        ? {}
        : { md5OfMessageAttributes: message.md5OfMessageAttributes }),
      attributes: {
        ApproximateReceiveCount: String(message.receiveCount),
        SentTimestamp: String(message.sentTimestamp),
        SenderId: LOCAL_SENDER_ID,
        ApproximateFirstReceiveTimestamp: String(message.firstReceiveTimestamp ?? message.sentTimestamp),
        ...(message.deadLetterSource ? { DeadLetterQueueSourceArn: message.deadLetterSource.arn } : {}),
      },
      messageAttributes: structuredClone(message.messageAttributes),
    };
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }
}
