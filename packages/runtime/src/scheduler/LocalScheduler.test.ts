import { describe, expect, it, vi } from "vitest";
import { ManualClock } from "../clock.ts";
import { InvalidParameterError } from "../errors.ts";
import { LocalQueue } from "../queue/LocalQueue.ts";
import { LocalScheduler, type ScheduledInvocationEvent } from "./LocalScheduler.ts";
import { parseRate } from "./parseRate.ts";

const T0 = Date.UTC(2026, 0, 1);

describe("parseRate", () => {
  it("parses rates as AWS writes them, plus seconds for the devnet", () => {
    expect(parseRate("10 seconds")).toBe(10_000);
    expect(parseRate("1 minute")).toBe(60_000);
    expect(parseRate("rate(5 minutes)")).toBe(300_000);
    expect(parseRate("rate(1 day)")).toBe(86_400_000);
    expect(parseRate(250)).toBe(250);
    for (const bad of ["1 minutes", "5 minute", "0 minutes", "every minute", "1.5 hours"]) {
      expect(() => parseRate(bad)).toThrow(InvalidParameterError);
    }
    expect(() => parseRate(0)).toThrow(InvalidParameterError);
  });
});

describe("LocalScheduler", () => {
  it("runs each schedule once per interval with a Scheduled Event, driven by a fake clock", async () => {
    const clock = new ManualClock(T0);
    const scheduler = new LocalScheduler({ clock });
    const events: ScheduledInvocationEvent[] = [];
    scheduler.addSchedule("sweep", {
      rate: "10 seconds",
      input: { job: "sweep" },
      handler: async (event, context) => {
        events.push(event);
        expect(context.functionName).toBe("schedule-sweep");
      },
    });
    await scheduler.tick();
    expect(events).toHaveLength(0);
    clock.advance(10_000);
    await scheduler.tick();
    await scheduler.tick(); // same instant: nothing new
    clock.advance(10_000);
    await scheduler.tick();
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({
      version: "0",
      "detail-type": "Scheduled Event",
      source: "aws.scheduler",
      account: "000000000000",
      region: "us-east-1",
      time: "2026-01-01T00:00:10Z",
      resources: ["arn:aws:scheduler:us-east-1:000000000000:schedule/default/sweep"],
      detail: { job: "sweep" },
    });
    expect(events[1]?.time).toBe("2026-01-01T00:00:20Z");
    expect(events[0]?.id).not.toBe(events[1]?.id);
    expect(scheduler.stats("sweep")).toMatchObject({ runs: 2, succeeded: 2, skipped: 0 });
  });

  it("starts no run while a schedule is disabled, and runs one rate after it is enabled again", async () => {
    const clock = new ManualClock(T0);
    const scheduler = new LocalScheduler({ clock });
    let runs = 0;
    scheduler.addSchedule("probe", { rate: "10 seconds", handler: async () => void runs++ });
    clock.advance(10_000);
    await scheduler.tick();
    expect(runs).toBe(1);
    scheduler.setScheduleState("probe", "DISABLED");
    clock.advance(30_000);
    await scheduler.tick();
    expect(runs).toBe(1);
    scheduler.setScheduleState("probe", "ENABLED");
    await scheduler.tick();
    expect(runs).toBe(1);
    clock.advance(10_000);
    await scheduler.tick();
    expect(runs).toBe(2);
    expect(() => scheduler.setScheduleState("missing", "DISABLED")).toThrow(InvalidParameterError);
  });

  it("never overlaps runs of one schedule: a tick during a run is skipped and counted", async () => {
    const clock = new ManualClock(T0);
    const scheduler = new LocalScheduler({ clock });
    let release!: () => void;
    let running = 0;
    let peak = 0;
    scheduler.addSchedule("slow", {
      rate: 1_000,
      handler: async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        running--;
      },
    });
    clock.advance(1_000);
    const first = scheduler.tick();
    clock.advance(1_000);
    await scheduler.tick(); // the first run is still going
    clock.advance(1_000);
    await scheduler.tick();
    release();
    await first;
    expect(scheduler.stats("slow")).toMatchObject({ runs: 1, skipped: 2, succeeded: 1 });
    clock.advance(1_000);
    const next = scheduler.tick();
    await vi.waitFor(() => expect(running).toBe(1)); // the handler starts on a later microtask
    release();
    await next;
    expect(scheduler.stats("slow")).toMatchObject({ runs: 2, succeeded: 2 });
    expect(peak).toBe(1);
  });

  it("retries a failing run with backoff, then sends the event to the dead-letter queue", async () => {
    const clock = new ManualClock(T0);
    const dlq = new LocalQueue({ name: "cron-dlq", clock });
    const scheduler = new LocalScheduler({ clock, retryBaseDelayMs: 1_000 });
    const seen: string[] = [];
    scheduler.addSchedule("payout", {
      rate: "1 minute",
      retryPolicy: { maximumRetryAttempts: 2 },
      deadLetterQueue: dlq,
      handler: async (event) => {
        seen.push(event.id);
        throw new Error("home chain unreachable");
      },
    });
    clock.advance(60_000);
    await scheduler.tick();
    expect(seen).toHaveLength(1);
    clock.advance(999);
    await scheduler.tick();
    expect(seen).toHaveLength(1); // first retry is due after 1 s
    clock.advance(1);
    await scheduler.tick();
    expect(seen).toHaveLength(2);
    clock.advance(1_999);
    await scheduler.tick();
    expect(seen).toHaveLength(2); // second retry after 2 s more
    clock.advance(1);
    await scheduler.tick();
    expect(seen).toHaveLength(3);
    expect(new Set(seen).size).toBe(1); // retries carry the same event
    expect(scheduler.stats("payout")).toMatchObject({ runs: 1, failedAttempts: 3, retries: 2, deadLettered: 1 });
    const [dead] = dlq.receive();
    expect(JSON.parse(dead?.body ?? "{}")).toMatchObject({ id: seen[0], "detail-type": "Scheduled Event" });
    expect(dead?.messageAttributes).toMatchObject({
      ERROR_CODE: { stringValue: "Error" },
      ERROR_MESSAGE: { stringValue: "home chain unreachable" },
      EXECUTION_ID: { stringValue: seen[0] },
      SCHEDULE_ARN: { stringValue: "arn:aws:scheduler:us-east-1:000000000000:schedule/default/payout" },
      RETRY_ATTEMPTS: { stringValue: "2", dataType: "Number" },
    });
    // The schedule carries on after the dead-letter.
    clock.advance(60_000);
    await scheduler.tick();
    expect(seen).toHaveLength(4);
  });

  it("skips ticks while a retry is pending and stops retrying past maximumEventAgeInSeconds", async () => {
    const clock = new ManualClock(T0);
    const dlq = new LocalQueue({ name: "age-dlq", clock });
    const scheduler = new LocalScheduler({ clock, retryBaseDelayMs: 40_000 });
    let attempts = 0;
    scheduler.addSchedule("aged", {
      rate: "10 seconds",
      retryPolicy: { maximumRetryAttempts: 10, maximumEventAgeInSeconds: 60 },
      deadLetterQueue: dlq,
      handler: async () => {
        attempts++;
        throw new Error("no");
      },
    });
    clock.advance(10_000);
    await scheduler.tick(); // attempt 1 at t=10s, retry due at 50s (age 40s)
    for (let t = 0; t < 4; t++) {
      clock.advance(10_000);
      await scheduler.tick();
    }
    expect(attempts).toBe(2); // the retry at 50 s; the next would be at 130 s, past the 60 s age
    expect(scheduler.stats("aged")).toMatchObject({ runs: 1, retries: 1, deadLettered: 1, skipped: 4 }); // 20, 30, 40 and 50 s
    expect(dlq.stats().visible).toBe(1);
  });

  it("ticks on its own after start(); stop() waits for the running attempt", async () => {
    const scheduler = new LocalScheduler();
    let calls = 0;
    let finished = 0;
    scheduler.addSchedule("fast", {
      rate: 20,
      handler: async () => {
        calls++;
        await new Promise((r) => setTimeout(r, 30));
        finished++;
      },
    });
    scheduler.start();
    for (let i = 0; i < 100 && calls < 2; i++) await new Promise((r) => setTimeout(r, 10));
    await scheduler.stop();
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(finished).toBe(calls);
    expect(scheduler.stats("fast").skipped).toBeGreaterThan(0); // 30 ms runs on a 20 ms rate
    const after = calls;
    await new Promise((r) => setTimeout(r, 60));
    expect(calls).toBe(after);
  });
});
