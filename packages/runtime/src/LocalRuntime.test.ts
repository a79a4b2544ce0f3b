import { createConnection } from "node:net";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import type { SQSEvent } from "aws-lambda";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ManualClock } from "./clock.ts";
import { InvalidParameterError, RuntimeStateError } from "./errors.ts";
import { LocalRuntime, type RuntimeErrorReport } from "./LocalRuntime.ts";
import type { ScheduledInvocationEvent } from "./scheduler/LocalScheduler.ts";

const runtimes: LocalRuntime[] = [];
afterEach(async () => {
  vi.unstubAllEnvs();
  await Promise.all(runtimes.splice(0).map((r) => r.stop()));
});

function track(runtime: LocalRuntime): LocalRuntime {
  runtimes.push(runtime);
  return runtime;
}

function canConnect(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port: Number(new URL(url).port) });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

describe("LocalRuntime", () => {
  it("runs queue -> fan-out handler -> unmodified LambdaClient({}) -> worker, reachable through the env it exports", async () => {
    const rt = track(new LocalRuntime());
    const worked: unknown[] = [];
    rt.addFunction("worker", async (event: { job: number }) => {
      worked.push(event.job);
    });
    rt.addFunction(
      "fanout",
      async (event: SQSEvent) => {
        // Production fan-out code: no endpoint in code, the SDK picks up AWS_ENDPOINT_URL_LAMBDA.
        const lambda = new LambdaClient({});
        for (const record of event.Records) {
          await lambda.send(
            new InvokeCommand({ FunctionName: "worker", InvocationType: "Event", Payload: record.body }),
          );
        }
        lambda.destroy();
      },
      { timeoutSeconds: 10 },
    );
    rt.addQueue("jobs", { visibilityTimeout: 30 });
    rt.subscribe("jobs", "fanout", { batchSize: 10 });
    const env = await rt.start();
    expect(env.SLABRIDGE_LAMBDA_ENDPOINT).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(env.AWS_ENDPOINT_URL_LAMBDA).toBe(env.SLABRIDGE_LAMBDA_ENDPOINT);
    for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value);

    for (const job of [1, 2, 3]) rt.queue("jobs").send(JSON.stringify({ job }));
    await vi.waitFor(() => expect(worked).toHaveLength(3), { timeout: 5_000 });
    expect([...worked].sort()).toEqual([1, 2, 3]);
    await vi.waitFor(() => expect(rt.queue("jobs").stats()).toMatchObject({ visible: 0, inFlight: 0, deleted: 3 }));

    const url = env.SLABRIDGE_LAMBDA_ENDPOINT;
    expect(await canConnect(url)).toBe(true);
    await rt.stop();
    expect(await canConnect(url)).toBe(false);
    expect(() => rt.env).toThrow(RuntimeStateError);
  });

  it("sends a poison message to the DLQ after maxReceiveCount and redrives it once fixed", async () => {
    const clock = new ManualClock(1_000_000);
    const errors: RuntimeErrorReport[] = [];
    const rt = track(new LocalRuntime({ clock, pollIntervalMs: 2, onError: (e) => errors.push(e) }));
    let broken = true;
    const handled: string[] = [];
    rt.addFunction("relay", async (event: SQSEvent) => {
      if (broken) throw new Error("destination reverted");
      handled.push(...event.Records.map((r) => r.body));
    });
    rt.addQueue("jobs-dlq");
    rt.addQueue("jobs", { visibilityTimeout: 30, maxReceiveCount: 2, dlq: "jobs-dlq" });
    rt.subscribe("jobs", "relay");
    await rt.start();
    const jobs = rt.queue("jobs");
    const dlq = rt.queue("jobs-dlq");
    jobs.send("verdict-7");
    for (let receives = 1; receives <= 2; receives++) {
      await vi.waitFor(() => expect(jobs.stats().received).toBe(receives));
      await vi.waitFor(() => expect(errors).toHaveLength(receives * 2)); // the function error and the failed batch
      clock.advance(30_000);
    }
    await vi.waitFor(() => expect(jobs.stats().movedToDeadLetter).toBe(1));
    expect(dlq.stats().visible).toBe(1);
    expect(errors[0]).toMatchObject({ source: "function", functionName: "relay" });
    expect(errors[1]).toMatchObject({ source: "queue", queueName: "jobs", functionName: "relay" });

    broken = false;
    expect(jobs.redriveFromDeadLetter()).toBe(1);
    await vi.waitFor(() => expect(handled).toEqual(["verdict-7"]));
    await vi.waitFor(() => expect(jobs.stats()).toMatchObject({ visible: 0, inFlight: 0 }));
  });

  it("runs a schedule against a registered function with retries, then its DLQ", async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const rt = track(new LocalRuntime({ clock, scheduleRetryBaseDelayMs: 1_000 }));
    const times: string[] = [];
    rt.addFunction("sweeper", async (event: ScheduledInvocationEvent) => {
      times.push(event.time);
      throw new Error("still failing");
    });
    rt.addQueue("cron-dlq");
    rt.addSchedule("sweep", "1 minute", "sweeper", { retries: 1, dlq: "cron-dlq", input: { what: "stuck jobs" } });
    clock.advance(60_000);
    await rt.scheduler.tick();
    clock.advance(1_000);
    await rt.scheduler.tick();
    expect(times).toEqual(["2026-01-01T00:01:00Z", "2026-01-01T00:01:00Z"]);
    const [dead] = rt.queue("cron-dlq").receive();
    expect(JSON.parse(dead?.body ?? "{}")).toMatchObject({ detail: { what: "stuck jobs" } });
    expect(dead?.messageAttributes.TARGET_ARN?.stringValue).toBe(
      "arn:aws:lambda:us-east-1:000000000000:function:sweeper",
    );
  });

  it("refuses wiring AWS would refuse", () => {
    const rt = track(new LocalRuntime());
    rt.addFunction("slow", async () => undefined, { timeoutSeconds: 60 });
    rt.addQueue("short", { visibilityTimeout: 30 });
    expect(() => rt.subscribe("short", "slow")).toThrow(/visibility timeout 30 s is less than function timeout 60 s/);
    expect(() => rt.subscribe("missing", "slow")).toThrow(/No queue named "missing"/);
    expect(() => rt.addSchedule("s", "1 minute", "missing")).toThrow(/No function named "missing"/);
    expect(() => rt.addQueue("q", { dlq: "short" })).toThrow(InvalidParameterError);
    expect(() => rt.addSchedule("s", "2 minute", "slow")).toThrow(InvalidParameterError);
  });
});
