import { z } from "zod";
import type { TokenUsage } from "../config/chargeFor.ts";
import { HostFailedError } from "../errors/errors.ts";

/** What the host answered, with the usage the charge is computed from and the two latencies. */
export interface HostAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: Uint8Array;
  readonly usage: TokenUsage;
  /** From sending the request to the host's response headers. */
  readonly ttfbMs: number;
  /** From sending the request to the last byte of the host's body. */
  readonly latencyMs: number;
}

/** One call to forward. */
export interface ForwardRequest {
  readonly url: string;
  readonly body: Uint8Array;
  readonly contentType: string;
  readonly timeoutMs: number;
  /** Monotonic milliseconds, for the latencies. */
  readonly nowMs: () => number;
  readonly fetch: typeof fetch;
}

// OpenAI-style usage; only the two counts the charge needs are read.
const usageSchema = z.looseObject({
  usage: z.looseObject({
    prompt_tokens: z.number().int().nonnegative(),
    completion_tokens: z.number().int().nonnegative(),
  }),
});

/**
 * Forwards one model call to the host and reads the whole answer under one deadline. Only a 2xx JSON answer with
 * `usage.prompt_tokens` and `usage.completion_tokens` counts as served; a timeout, a connection failure, a 5xx or an
 * answer without usage is a {@link HostFailedError} (not charged). A 4xx is the buyer's request being refused and is
 * returned as is, also not charged (the caller decides).
 *
 * @example
 * const answer = await forwardToHost({ url, body, contentType: "application/json", timeoutMs: 30_000, nowMs: () => performance.now(), fetch });
 */
export async function forwardToHost(request: ForwardRequest): Promise<HostAnswer | { readonly refused: Response }> {
  const started = request.nowMs();
  const signal = AbortSignal.timeout(request.timeoutMs);
  let response: Response;
  let body: Uint8Array;
  let ttfbMs: number;
  try {
    response = await request.fetch(request.url, {
      method: "POST",
      headers: { "content-type": request.contentType, accept: "application/json" },
      body: request.body,
      signal,
    });
    ttfbMs = request.nowMs() - started;
    body = new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    if (signal.aborted) throw new HostFailedError("timeout", `no complete answer in ${request.timeoutMs} ms`, error);
    throw new HostFailedError("unreachable", "the host could not be reached", error);
  }
  const latencyMs = request.nowMs() - started;
  return answerOf(response, body, ttfbMs, latencyMs);
}

/**
 * Judges a whole answer of the host: a 2xx JSON body with OpenAI-style `usage` is served; a 5xx, another non-2xx or
 * a body without usage is a {@link HostFailedError}; a 4xx is the buyer's request refused, returned as is.
 */
export function answerOf(
  response: Response,
  body: Uint8Array,
  ttfbMs: number,
  latencyMs: number,
): HostAnswer | { readonly refused: Response } {
  const contentType = response.headers.get("content-type") ?? "application/octet-stream";
  if (response.status >= 500) throw new HostFailedError("http_error", `the host answered ${response.status}`);
  if (response.status >= 400) {
    return { refused: new Response(body, { status: response.status, headers: { "content-type": contentType } }) };
  }
  if (response.status < 200 || response.status >= 300) {
    throw new HostFailedError("http_error", `the host answered ${response.status}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body));
  } catch (error) {
    throw new HostFailedError("garbage", "the host's answer is not JSON", error);
  }
  const usage = usageOf(parsed);
  if (usage === undefined) {
    const problem = usageSchema.safeParse(parsed);
    throw new HostFailedError(
      "garbage",
      `the host's answer has no usage${problem.success ? "" : `: ${z.prettifyError(problem.error)}`}`,
    );
  }
  return { status: response.status, contentType, body, usage, ttfbMs, latencyMs };
}

/**
 * The OpenAI-style `usage` of a parsed answer or stream chunk (`prompt_tokens`, `completion_tokens`), or undefined.
 *
 * @example usageOf({ usage: { prompt_tokens: 4, completion_tokens: 9 } }) // { inputTokens: 4n, outputTokens: 9n }
 */
export function usageOf(parsed: unknown): TokenUsage | undefined {
  const usage = usageSchema.safeParse(parsed);
  if (!usage.success) return undefined;
  return {
    inputTokens: BigInt(usage.data.usage.prompt_tokens),
    outputTokens: BigInt(usage.data.usage.completion_tokens),
  };
}
