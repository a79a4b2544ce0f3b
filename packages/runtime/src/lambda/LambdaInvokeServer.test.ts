import { createConnection } from "node:net";
import { InvokeCommand, LambdaClient, ResourceNotFoundException } from "@aws-sdk/client-lambda";
import { afterEach, describe, expect, it } from "vitest";
import { LocalQueue } from "../queue/LocalQueue.ts";
import { LambdaInvokeServer } from "./LambdaInvokeServer.ts";
import { LocalFunctions } from "./LocalFunctions.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const servers: LambdaInvokeServer[] = [];

function clientFor(server: LambdaInvokeServer): LambdaClient {
  return new LambdaClient({
    endpoint: server.url,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
}

async function started(server: LambdaInvokeServer): Promise<LambdaInvokeServer> {
  servers.push(server);
  await server.start();
  return server;
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

describe("LambdaInvokeServer with the real LambdaClient", () => {
  it("round-trips a RequestResponse payload and passes a Lambda-like context", async () => {
    const server = new LambdaInvokeServer();
    server.register(
      "echo",
      async (event: { n: number }, context) => ({
        doubled: event.n * 2,
        functionName: context.functionName,
        requestId: context.awsRequestId,
        remaining: context.getRemainingTimeInMillis(),
        arn: context.invokedFunctionArn,
      }),
      { timeoutSeconds: 5 },
    );
    await started(server);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const client = clientFor(server);
    const out = await client.send(
      new InvokeCommand({ FunctionName: "echo", Payload: encoder.encode(JSON.stringify({ n: 21 })), LogType: "Tail" }),
    );
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBeUndefined();
    expect(out.ExecutedVersion).toBe("$LATEST");
    expect(Buffer.from(out.LogResult ?? "", "base64").toString()).toContain("REPORT RequestId:");
    const payload = JSON.parse(decoder.decode(out.Payload));
    expect(payload).toMatchObject({
      doubled: 42,
      functionName: "echo",
      arn: "arn:aws:lambda:us-east-1:000000000000:function:echo",
    });
    expect(payload.remaining).toBeGreaterThan(4000);
    expect(payload.remaining).toBeLessThanOrEqual(5000);
    expect(payload.requestId).toMatch(/^[0-9a-f-]{36}$/);
    client.destroy();
  });

  it("accepts a qualifier, a full ARN and an empty payload; undefined results come back as null", async () => {
    const seen: unknown[] = [];
    const server = await started(new LambdaInvokeServer());
    server.register("sink", async (event) => {
      seen.push(event);
    });
    const client = clientFor(server);
    const a = await client.send(new InvokeCommand({ FunctionName: "sink", Qualifier: "$LATEST" }));
    const b = await client.send(
      new InvokeCommand({
        FunctionName: "arn:aws:lambda:us-east-1:000000000000:function:sink:live",
        Payload: encoder.encode("[1]"),
      }),
    );
    expect(decoder.decode(a.Payload)).toBe("null");
    expect(b.StatusCode).toBe(200);
    expect(seen).toEqual([{}, [1]]);
    client.destroy();
  });

  it("answers Event with 202 and runs the handler in the background", async () => {
    const server = await started(new LambdaInvokeServer());
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const ran: unknown[] = [];
    server.register("bg", async (event) => {
      await gate;
      ran.push(event);
    });
    const client = clientFor(server);
    const out = await client.send(
      new InvokeCommand({ FunctionName: "bg", InvocationType: "Event", Payload: encoder.encode('{"job":7}') }),
    );
    expect(out.StatusCode).toBe(202);
    expect(ran).toEqual([]); // answered before the handler finished
    release();
    await server.functions.idle();
    expect(ran).toEqual([{ job: 7 }]);
    client.destroy();
  });

  it("retries a failing Event invocation twice, then sends it to the function's DLQ", async () => {
    const dlq = new LocalQueue({ name: "fn-dlq" });
    const functions = new LocalFunctions({ asyncRetryDelaysMs: [5, 10] });
    const server = await started(new LambdaInvokeServer({ functions }));
    let attempts = 0;
    server.register(
      "flaky",
      async () => {
        attempts++;
        throw new Error("rpc down");
      },
      { deadLetterQueue: dlq },
    );
    const client = clientFor(server);
    const out = await client.send(
      new InvokeCommand({ FunctionName: "flaky", InvocationType: "Event", Payload: encoder.encode('{"x":1}') }),
    );
    expect(out.StatusCode).toBe(202);
    await functions.idle();
    expect(attempts).toBe(3);
    const [dead] = dlq.receive();
    expect(dead?.body).toBe('{"x":1}');
    expect(dead?.messageAttributes.ErrorMessage?.stringValue).toBe("rpc down");
    expect(dead?.messageAttributes.ErrorCode).toMatchObject({ dataType: "Number", stringValue: "200" });
    expect(dead?.messageAttributes.RequestID?.stringValue).toMatch(/^[0-9a-f-]{36}$/);
    expect(functions.stats()).toMatchObject({ asyncEvents: 1, asyncRetries: 2, deadLettered: 1 });
    await functions.stop();
    client.destroy();
  });

  it("answers DryRun with 204 without running the handler", async () => {
    const server = await started(new LambdaInvokeServer());
    let ran = false;
    server.register("dry", async () => {
      ran = true;
    });
    const client = clientFor(server);
    const out = await client.send(new InvokeCommand({ FunctionName: "dry", InvocationType: "DryRun" }));
    expect(out.StatusCode).toBe(204);
    expect(ran).toBe(false);
    client.destroy();
  });

  it("reports a thrown error as X-Amz-Function-Error: Unhandled with errorType, errorMessage and trace", async () => {
    const server = await started(new LambdaInvokeServer());
    server.register("boom", async () => {
      throw new TypeError("bad input");
    });
    const client = clientFor(server);
    const out = await client.send(new InvokeCommand({ FunctionName: "boom", Payload: encoder.encode("{}") }));
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe("Unhandled");
    const body = JSON.parse(decoder.decode(out.Payload));
    expect(body).toMatchObject({ errorType: "TypeError", errorMessage: "bad input" });
    expect(Array.isArray(body.trace)).toBe(true);
    expect(body.trace[0]).toContain("TypeError: bad input");
    client.destroy();
  });

  it("times a slow handler out with Lambda's message", async () => {
    const server = await started(new LambdaInvokeServer());
    server.register("slow", () => new Promise((resolve) => setTimeout(resolve, 2_000)), { timeoutSeconds: 0.2 });
    const client = clientFor(server);
    const started_ = Date.now();
    const out = await client.send(new InvokeCommand({ FunctionName: "slow" }));
    expect(Date.now() - started_).toBeLessThan(1_500);
    expect(out.FunctionError).toBe("Unhandled");
    const body = JSON.parse(decoder.decode(out.Payload));
    expect(body).toMatchObject({ errorType: "Sandbox.Timedout", errorMessage: "Task timed out after 0.20 seconds" });
    expect(server.functions.stats().timeouts).toBe(1);
    client.destroy();
  });

  it("makes the SDK throw ResourceNotFoundException for an unknown function", async () => {
    const server = await started(new LambdaInvokeServer());
    const client = clientFor(server);
    const error = await client.send(new InvokeCommand({ FunctionName: "nope" })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    const notFound = error as ResourceNotFoundException;
    expect(notFound.name).toBe("ResourceNotFoundException");
    expect(notFound.$metadata.httpStatusCode).toBe(404);
    expect(notFound.message).toBe("Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope");
    client.destroy();
  });

  it("rejects a payload that is not JSON with InvalidRequestContentException", async () => {
    const server = await started(new LambdaInvokeServer());
    server.register("echo", async (e) => e);
    const client = clientFor(server);
    const error = await client
      .send(new InvokeCommand({ FunctionName: "echo", Payload: encoder.encode("{not json") }))
      .catch((e: unknown) => e);
    expect((error as Error).name).toBe("InvalidRequestContentException");
    client.destroy();
  });

  it("listens on 127.0.0.1 only and frees the port on stop", async () => {
    const server = await started(new LambdaInvokeServer());
    const port = portOf(server.url);
    const client = clientFor(server);
    server.register("echo", async (e) => e);
    await client.send(new InvokeCommand({ FunctionName: "echo" })); // leaves a keep-alive connection open
    expect(await canConnect(port)).toBe(true);
    await server.stop();
    expect(await canConnect(port)).toBe(false);
    expect(() => server.url).toThrow(/not started/);
    client.destroy();
  });
});
