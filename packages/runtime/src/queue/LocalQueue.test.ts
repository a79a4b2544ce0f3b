import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../clock.ts";
import { InvalidParameterError, MessageNotInflightError, ReceiptHandleIsInvalidError } from "../errors.ts";
import { LocalQueue } from "./LocalQueue.ts";

function queues(maxReceiveCount = 3) {
  const clock = new ManualClock(1_700_000_000_000);
  const dlq = new LocalQueue({ name: "jobs-dlq", clock });
  const queue = new LocalQueue({
    name: "jobs",
    visibilityTimeoutSeconds: 30,
    redrivePolicy: { deadLetterQueue: dlq, maxReceiveCount },
    clock,
  });
  return { clock, queue, dlq };
}

describe("LocalQueue", () => {
  it("hides a received message for the visibility timeout, then re-delivers it with a higher receive count", () => {
    const { clock, queue } = queues();
    const id = queue.send("hello");
    const [first] = queue.receive();
    expect(first).toMatchObject({
      messageId: id,
      body: "hello",
      md5OfBody: createHash("md5").update("hello").digest("hex"),
      attributes: {
        ApproximateReceiveCount: "1",
        SentTimestamp: "1700000000000",
        ApproximateFirstReceiveTimestamp: "1700000000000",
      },
    });
    expect(queue.receive()).toEqual([]);
    expect(queue.stats()).toMatchObject({ visible: 0, inFlight: 1, delayed: 0 });
    clock.advance(29_999);
    expect(queue.receive()).toEqual([]);
    clock.advance(1);
    const [second] = queue.receive({ visibilityTimeoutSeconds: 5 });
    expect(second?.messageId).toBe(id);
    expect(second?.attributes.ApproximateReceiveCount).toBe("2");
    expect(second?.attributes.ApproximateFirstReceiveTimestamp).toBe("1700000000000");
    expect(second?.receiptHandle).not.toBe(first?.receiptHandle);
    clock.advance(5_000); // the per-receive visibility timeout applies
    expect(queue.receive()[0]?.attributes.ApproximateReceiveCount).toBe("3");
  });

  it("a stale receipt handle cannot delete the newer delivery", () => {
    const { clock, queue } = queues();
    queue.send("job");
    const [first] = queue.receive();
    clock.advance(30_000);
    const [second] = queue.receive();
    expect(queue.delete(first?.receiptHandle ?? "")).toBe(false);
    expect(queue.stats().inFlight).toBe(1);
    expect(queue.delete(second?.receiptHandle ?? "")).toBe(true);
    expect(queue.delete(second?.receiptHandle ?? "")).toBe(false);
    expect(queue.stats()).toMatchObject({ visible: 0, inFlight: 0, deleted: 1 });
  });

  it("the newest handle still deletes after its timeout expired, as long as nobody received the message again", () => {
    const { clock, queue } = queues();
    queue.send("job");
    const [m] = queue.receive();
    clock.advance(60_000);
    expect(queue.delete(m?.receiptHandle ?? "")).toBe(true);
  });

  it("rejects a handle from another queue", () => {
    const { queue, dlq } = queues();
    dlq.send("x");
    const [m] = dlq.receive();
    expect(() => queue.delete(m?.receiptHandle ?? "")).toThrow(ReceiptHandleIsInvalidError);
    expect(() => queue.delete("garbage")).toThrow(ReceiptHandleIsInvalidError);
  });

  it("moves a message to the dead-letter queue after maxReceiveCount receives, and redrives it back", () => {
    const { clock, queue, dlq } = queues(2);
    const id = queue.send("poison", { attributes: { kind: "verdict" } });
    for (let i = 0; i < 2; i++) {
      expect(queue.receive()).toHaveLength(1);
      clock.advance(30_000);
    }
    expect(queue.receive()).toEqual([]); // the third receive moves it instead of delivering it
    expect(queue.stats()).toMatchObject({ visible: 0, inFlight: 0, movedToDeadLetter: 1 });
    const [dead] = dlq.receive({ visibilityTimeoutSeconds: 0 });
    expect(dead).toMatchObject({
      messageId: id,
      body: "poison",
      attributes: { ApproximateReceiveCount: "1", SentTimestamp: "1700000000000", DeadLetterQueueSourceArn: queue.arn },
      messageAttributes: { kind: { dataType: "String", stringValue: "verdict" } },
    });

    expect(queue.redriveFromDeadLetter()).toBe(1);
    expect(dlq.stats()).toMatchObject({ visible: 0, inFlight: 0 });
    const [back] = queue.receive();
    expect(back).toMatchObject({ messageId: id, body: "poison", attributes: { ApproximateReceiveCount: "1" } });
    expect(back?.attributes.DeadLetterQueueSourceArn).toBeUndefined();
    expect(queue.stats().redriven).toBe(1);
  });

  it("redrive leaves messages that are in flight on the dead-letter queue", () => {
    const { clock, queue, dlq } = queues(1);
    queue.send("a");
    queue.receive();
    clock.advance(30_000);
    queue.receive(); // moves it
    dlq.receive({ visibilityTimeoutSeconds: 60 }); // an operator is looking at it
    expect(queue.redriveFromDeadLetter()).toBe(0);
    clock.advance(60_000);
    expect(queue.redriveFromDeadLetter()).toBe(1);
  });

  it("holds a delayed message until its delay has passed", () => {
    const { clock, queue } = queues();
    queue.send("later", { delaySeconds: 10 });
    queue.send("now");
    expect(queue.stats()).toMatchObject({ visible: 1, delayed: 1 });
    expect(queue.receive({ maxMessages: 10 }).map((m) => m.body)).toEqual(["now"]);
    clock.advance(9_999);
    expect(queue.receive()).toEqual([]);
    clock.advance(1);
    expect(queue.receive().map((m) => m.body)).toEqual(["later"]);
  });

  it("changeVisibility extends or ends an in-flight message's timeout, and refuses when not in flight", () => {
    const { clock, queue } = queues();
    queue.send("a");
    const [m] = queue.receive();
    const handle = m?.receiptHandle ?? "";
    queue.changeVisibility(handle, 120);
    clock.advance(60_000);
    expect(queue.receive()).toEqual([]);
    queue.changeVisibility(handle, 0);
    const [again] = queue.receive();
    expect(again?.attributes.ApproximateReceiveCount).toBe("2");
    expect(() => queue.changeVisibility(handle, 10)).toThrow(MessageNotInflightError);
  });

  it("returns at most maxMessages and validates SQS limits", () => {
    const { queue } = queues();
    for (let i = 0; i < 15; i++) queue.send(`m${i}`);
    expect(queue.receive({ maxMessages: 10 })).toHaveLength(10);
    expect(queue.receive({ maxMessages: 10 })).toHaveLength(5);
    expect(() => queue.receive({ maxMessages: 11 })).toThrow(InvalidParameterError);
    expect(() => queue.receive({ maxMessages: 0 })).toThrow(InvalidParameterError);
    expect(() => queue.send("x", { delaySeconds: 901 })).toThrow(InvalidParameterError);
    expect(() => queue.send("")).toThrow(InvalidParameterError);
    expect(() => queue.send("x".repeat(262_145))).toThrow(InvalidParameterError);
  });

  it("computes md5OfMessageAttributes as SQS does", () => {
    const { queue } = queues();
    queue.send("b", { attributes: { a: "1", n: { dataType: "Number", stringValue: "42" } } });
    const [m] = queue.receive();
    const part = (s: Buffer) => {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(s.length);
      return Buffer.concat([len, s]);
    };
    const expected = createHash("md5")
      .update(
        Buffer.concat([part(Buffer.from("a")), part(Buffer.from("String")), Buffer.from([1]), part(Buffer.from("1"))]),
      )
      .update(
        Buffer.concat([part(Buffer.from("n")), part(Buffer.from("Number")), Buffer.from([1]), part(Buffer.from("42"))]),
      )
      .digest("hex");
    expect(m?.md5OfMessageAttributes).toBe(expected);
    expect(m?.messageAttributes.n).toEqual({
      stringValue: "42",
      stringListValues: [],
      binaryListValues: [],
      dataType: "Number",
    });
  });
});
