import type { SQSEvent } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../clock.ts";
import { InvalidBatchResponseError } from "../errors.ts";
import { LocalQueue } from "./LocalQueue.ts";
import { QueueConsumer } from "./QueueConsumer.ts";

function setup(visibilityTimeoutSeconds = 30) {
  const clock = new ManualClock(1_000_000);
  const queue = new LocalQueue({ name: "work", visibilityTimeoutSeconds, clock });
  return { clock, queue };
}

describe("QueueConsumer", () => {
  it("invokes the handler with an event shaped like AWS's SQS event and deletes a successful batch", async () => {
    const { queue } = setup();
    const events: SQSEvent[] = [];
    const consumer = new QueueConsumer({
      queue,
      batchSize: 5,
      handler: async (event, context) => {
        events.push(event);
        expect(context.functionName).toBe("work-consumer");
      },
    });
    const id = queue.send('{"n":1}', { attributes: { kind: "receipt" } });
    expect(await consumer.pollOnce()).toBe(1);
    const record = events[0]?.Records[0];
    expect(Object.keys(record ?? {})).toEqual([
      "messageId",
      "receiptHandle",
      "body",
      "attributes",
      "messageAttributes",
      "md5OfBody",
      "md5OfMessageAttributes",
      "eventSource",
      "eventSourceARN",
      "awsRegion",
    ]);
    expect(record).toMatchObject({
      messageId: id,
      body: '{"n":1}',
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:work",
      awsRegion: "us-east-1",
      attributes: { ApproximateReceiveCount: "1", SentTimestamp: "1000000", SenderId: expect.any(String) },
      messageAttributes: { kind: { stringValue: "receipt", dataType: "String" } },
    });
    expect(queue.stats()).toMatchObject({ visible: 0, inFlight: 0, deleted: 1 });
  });

  it("keeps only the batchItemFailures of a partial batch response", async () => {
    const { clock, queue } = setup();
    for (const n of [1, 2, 3, 4]) queue.send(String(n));
    const consumer = new QueueConsumer({
      queue,
      handler: async (event) => ({
        batchItemFailures: event.Records.filter((r) => Number(r.body) % 2 === 0).map((r) => ({
          itemIdentifier: r.messageId,
        })),
      }),
    });
    expect(await consumer.pollOnce()).toBe(4);
    expect(queue.stats()).toMatchObject({ visible: 0, inFlight: 2, deleted: 2 });
    expect(consumer.stats()).toMatchObject({ batches: 1, partiallyFailed: 1, deleted: 2 });
    clock.advance(30_000);
    const again = queue.receive({ maxMessages: 10 });
    expect(again.map((m) => m.body).sort()).toEqual(["2", "4"]);
    expect(again.every((m) => m.attributes.ApproximateReceiveCount === "2")).toBe(true);
  });

  it("leaves the whole batch when the handler throws; it is visible again after the timeout", async () => {
    const { clock, queue } = setup();
    for (const n of [1, 2, 3]) queue.send(String(n));
    const errors: unknown[] = [];
    const consumer = new QueueConsumer({
      queue,
      handler: async () => {
        throw new Error("chain unavailable");
      },
      onError: (error) => errors.push(error),
    });
    await consumer.pollOnce();
    expect(queue.stats()).toMatchObject({ inFlight: 3, deleted: 0 });
    expect(consumer.stats()).toMatchObject({ failed: 1 });
    expect((errors[0] as Error).message).toBe("chain unavailable");
    expect(await consumer.pollOnce()).toBe(0); // still invisible
    clock.advance(30_000);
    expect(queue.stats().visible).toBe(3);
  });

  it("treats an invalid partial batch response as a whole-batch failure", async () => {
    const { queue } = setup();
    queue.send("a");
    queue.send("b");
    const errors: unknown[] = [];
    const consumer = new QueueConsumer({
      queue,
      handler: async () => ({ batchItemFailures: [{ itemIdentifier: "not-in-this-batch" }] }),
      onError: (error) => errors.push(error),
    });
    await consumer.pollOnce();
    expect(queue.stats()).toMatchObject({ inFlight: 2, deleted: 0 });
    expect(errors[0]).toBeInstanceOf(InvalidBatchResponseError);
  });

  it("treats empty or null batchItemFailures as full success", async () => {
    const { queue } = setup();
    queue.send("a");
    const consumer = new QueueConsumer({ queue, handler: async () => ({ batchItemFailures: [] }) });
    await consumer.pollOnce();
    queue.send("b");
    const nullConsumer = new QueueConsumer({
      queue,
      handler: async () => JSON.parse('{"batchItemFailures":null}'),
    });
    await nullConsumer.pollOnce();
    expect(queue.stats()).toMatchObject({ visible: 0, inFlight: 0, deleted: 2 });
  });

  it("splits into batches of batchSize, at most maxConcurrency at once", async () => {
    const { queue } = setup();
    for (let i = 0; i < 25; i++) queue.send(String(i));
    let running = 0;
    let peak = 0;
    const sizes: number[] = [];
    const consumer = new QueueConsumer({
      queue,
      batchSize: 4,
      maxConcurrency: 3,
      handler: async (event) => {
        running++;
        peak = Math.max(peak, running);
        sizes.push(event.Records.length);
        await new Promise((r) => setTimeout(r, 5));
        running--;
      },
    });
    expect(await consumer.pollOnce()).toBe(12);
    expect(sizes).toEqual([4, 4, 4]);
    expect(peak).toBe(3);
  });

  it("runs in the background after start(), wakes on send, and stop() waits for in-flight batches", async () => {
    const queue = new LocalQueue({ name: "live", visibilityTimeoutSeconds: 30 });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const handled: string[] = [];
    let entered!: () => void;
    const inHandler = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const consumer = new QueueConsumer({
      queue,
      pollIntervalMs: 10_000, // only the send's wake-up can start this batch quickly
      handler: async (event) => {
        entered();
        await gate;
        handled.push(...event.Records.map((r) => r.body));
      },
    });
    consumer.start();
    await new Promise((r) => setTimeout(r, 5));
    const started = Date.now();
    queue.send("x");
    await inHandler;
    expect(Date.now() - started).toBeLessThan(1_000);
    let stopped = false;
    const stopping = consumer.stop().then(() => {
      stopped = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(stopped).toBe(false); // the batch is still running
    release();
    await stopping;
    expect(handled).toEqual(["x"]);
    expect(queue.stats()).toMatchObject({ inFlight: 0, deleted: 1 });
    queue.send("after stop");
    await new Promise((r) => setTimeout(r, 20));
    expect(queue.stats().visible).toBe(1);
  });

  it("re-delivers after the visibility timeout when running in the background", async () => {
    const queue = new LocalQueue({ name: "retry", visibilityTimeoutSeconds: 0 });
    let calls = 0;
    const consumer = new QueueConsumer({
      queue,
      pollIntervalMs: 5,
      handler: async (event) => {
        calls++;
        if (calls === 1) throw new Error("first try fails");
        expect(event.Records[0]?.attributes.ApproximateReceiveCount).toBe("2");
      },
    });
    consumer.start();
    queue.send("job");
    for (let i = 0; i < 200 && queue.stats().deleted === 0; i++) await new Promise((r) => setTimeout(r, 5));
    await consumer.stop();
    expect(calls).toBe(2);
    expect(queue.stats().deleted).toBe(1);
  });
});
