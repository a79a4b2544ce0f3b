import { describe, expect, it } from "vitest";
import { HostFailedError } from "../errors/errors.ts";
import { forwardToHost } from "./forwardToHost.ts";

const body = new TextEncoder().encode("{}");
const call = (fetchImpl: typeof fetch, timeoutMs = 1_000) =>
  forwardToHost({
    url: "http://127.0.0.1:9/v1/chat/completions",
    body,
    contentType: "application/json",
    timeoutMs,
    nowMs: () => performance.now(),
    fetch: fetchImpl,
  });
const answering =
  (response: () => Response): typeof fetch =>
  async () =>
    response();
const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

describe("forwardToHost", () => {
  it("reads the usage and both latencies of a served call", async () => {
    const answer = await call(
      answering(() => Response.json({ usage: { prompt_tokens: 4, completion_tokens: 9, total_tokens: 13 } })),
    );
    expect(answer).toMatchObject({ status: 200, usage: { inputTokens: 4n, outputTokens: 9n } });
    if ("refused" in answer) throw new Error("expected a served answer");
    expect(answer.latencyMs).toBeGreaterThanOrEqual(answer.ttfbMs);
  });

  it("fails a hanging host with host_timeout (504)", async () => {
    const hanging: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal?.reason)));
    const error = await failureOf(call(hanging, 50));
    expect(error).toBeInstanceOf(HostFailedError);
    expect(error).toMatchObject({ kind: "timeout", status: 504, code: "host_timeout" });
  });

  it("fails an unreachable host, a 5xx and an answer without usage, each with its code (502)", async () => {
    const refused: typeof fetch = async () => {
      throw new TypeError("fetch failed");
    };
    expect(await failureOf(call(refused))).toMatchObject({ code: "host_unreachable", status: 502 });
    expect(await failureOf(call(answering(() => new Response("down", { status: 503 }))))).toMatchObject({
      code: "host_http_error",
    });
    expect(await failureOf(call(answering(() => new Response("<html>"))))).toMatchObject({ code: "host_garbage" });
    expect(await failureOf(call(answering(() => Response.json({ choices: [] }))))).toMatchObject({
      code: "host_garbage",
    });
  });

  it("passes a host's 4xx back as refused (the buyer's request was bad; not charged)", async () => {
    const answer = await call(answering(() => Response.json({ error: { code: "model_not_found" } }, { status: 404 })));
    expect("refused" in answer && answer.refused.status).toBe(404);
  });
});
