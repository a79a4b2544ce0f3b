import { describe, expect, it } from "vitest";
import { HostFailedError } from "../errors/errors.ts";
import { streamFromHost } from "./streamFromHost.ts";

const encoder = new TextEncoder();
const call = (fetchImpl: typeof fetch, timeoutMs = 1_000) =>
  streamFromHost({
    url: "http://127.0.0.1:9/v1/chat/completions",
    body: encoder.encode('{"stream":true}'),
    contentType: "application/json",
    timeoutMs,
    nowMs: () => performance.now(),
    fetch: fetchImpl,
  });
/** A host whose body is the given chunks, each after `gapMs`, then (optionally) an error instead of the end. */
const streaming =
  (chunks: string[], options: { gapMs?: number; breakOff?: boolean; contentType?: string } = {}): typeof fetch =>
  async (_input, init) => {
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        for (const chunk of chunks) {
          await new Promise((resolve) => setTimeout(resolve, options.gapMs ?? 0));
          if (init?.signal?.aborted) return controller.error(init.signal.reason);
          controller.enqueue(encoder.encode(chunk));
        }
        if (options.breakOff) controller.error(new Error("socket hang up"));
        else controller.close();
      },
    });
    return new Response(body, { headers: { "content-type": options.contentType ?? "text/event-stream" } });
  };
const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

describe("streamFromHost", () => {
  it("returns at the host's first bytes, then its events as they come, then the end", async () => {
    const answer = await call(streaming(['data: {"n":1}\n\ndata: {"n', '":2}\n\n', "data: [DONE]\n\n"], { gapMs: 5 }));
    if (!("stream" in answer)) throw new Error("expected a stream");
    const { stream } = answer;
    expect(stream.first.map((event) => event.data)).toEqual(['{"n":1}']);
    expect((await stream.next())?.map((event) => event.data)).toEqual(['{"n":2}']);
    expect((await stream.next())?.map((event) => event.data)).toEqual(["[DONE]"]);
    expect(await stream.next()).toBeUndefined();
    expect(stream.ttfbMs).toBeGreaterThan(0);
  });

  it("fails before the first byte as a host that never answered: unreachable, or garbage for an empty body", async () => {
    expect(await failureOf(call(streaming([], { breakOff: true })))).toMatchObject({ code: "host_unreachable" });
    expect(await failureOf(call(streaming([])))).toMatchObject({ code: "host_garbage", status: 502 });
    const refusing: typeof fetch = async () => {
      throw new TypeError("fetch failed");
    };
    expect(await failureOf(call(refusing))).toMatchObject({ code: "host_unreachable" });
  });

  it("fails mid-stream with host_interrupted when the connection breaks, host_timeout past the deadline", async () => {
    const broken = await call(streaming(["data: 1\n\n", "data: 2\n\n"], { breakOff: true }));
    if (!("stream" in broken)) throw new Error("expected a stream");
    await broken.stream.next();
    const error = await failureOf(broken.stream.next());
    expect(error).toBeInstanceOf(HostFailedError);
    expect(error).toMatchObject({ kind: "interrupted", status: 502, code: "host_interrupted" });

    const slow = await call(streaming(["data: 1\n\n", "data: 2\n\n"], { gapMs: 40 }), 60);
    if (!("stream" in slow)) throw new Error("expected a stream");
    expect(await failureOf(slow.stream.next())).toMatchObject({ kind: "timeout", status: 504 });
  });

  it("reads a host that answers a whole JSON body instead of a stream as an unstreamed answer; passes a 4xx on", async () => {
    const whole = await call(
      streaming([JSON.stringify({ usage: { prompt_tokens: 2, completion_tokens: 3 } })], {
        contentType: "application/json",
      }),
    );
    expect(whole).toMatchObject({ answer: { status: 200, usage: { inputTokens: 2n, outputTokens: 3n } } });
    const refused = await call(async () => Response.json({ error: "bad model" }, { status: 404 }));
    if (!("refused" in refused)) throw new Error("expected a refusal");
    expect(refused.refused.status).toBe(404);
    const down = await failureOf(call(async () => new Response("busy", { status: 503 })));
    expect(down).toMatchObject({ code: "host_http_error" });
  });
});
