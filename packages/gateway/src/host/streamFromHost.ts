import { HostFailedError } from "../errors/errors.ts";
import { type SseEvent, SseSplitter } from "../http/sse.ts";
import { answerOf, type ForwardRequest, type HostAnswer } from "./forwardToHost.ts";

/** A host answering with server-sent events, read as they arrive. */
export interface HostEventStream {
  readonly status: number;
  readonly contentType: string;
  /** From sending the request to the first byte of the host's body (its first token, not just its headers). */
  readonly ttfbMs: number;
  /** The events completed by the host's first bytes (possibly none yet). */
  readonly first: readonly SseEvent[];
  /**
   * The events completed by the host's next bytes, or undefined once its body has ended.
   *
   * @throws {HostFailedError} `timeout` past the call's deadline, `interrupted` when the connection breaks.
   */
  next(): Promise<readonly SseEvent[] | undefined>;
  /** Stops reading and drops the connection to the host (the buyer went away, or the answer is complete). */
  cancel(): Promise<void>;
}

/** What a host answered to a streamed call: a stream, a whole answer (it chose not to stream), or a refusal (4xx). */
export type HostStreamAnswer =
  | { readonly stream: HostEventStream }
  | { readonly answer: HostAnswer }
  | { readonly refused: Response };

/**
 * Forwards a call that asked for `stream: true` and waits for the host's first body bytes, under the call's one
 * deadline (it also bounds the rest of the stream). A host that fails before its first byte (timeout, connection
 * failure, 5xx, or a body that ends empty) is a {@link HostFailedError}, as for a whole answer; a 4xx is returned as
 * is; a 2xx that is not `text/event-stream` is read whole and judged as an unstreamed answer.
 *
 * @example
 * const answer = await streamFromHost({ url, body, contentType: "application/json", timeoutMs: 30_000, nowMs: () => performance.now(), fetch });
 * if ("stream" in answer) for (let events = answer.stream.first; events; events = await answer.stream.next()) relay(events);
 */
export async function streamFromHost(request: ForwardRequest): Promise<HostStreamAnswer> {
  const started = request.nowMs();
  const abort = new AbortController();
  const deadline = setTimeout(
    () => abort.abort(new HostFailedError("timeout", `no complete answer in ${request.timeoutMs} ms`)),
    request.timeoutMs,
  );
  const failure = (error: unknown, kind: "unreachable" | "interrupted", details: string) => {
    clearTimeout(deadline);
    if (abort.signal.aborted && abort.signal.reason instanceof HostFailedError) return abort.signal.reason;
    return new HostFailedError(kind, details, error);
  };

  let response: Response;
  try {
    response = await request.fetch(request.url, {
      method: "POST",
      headers: { "content-type": request.contentType, accept: "text/event-stream, application/json" },
      body: request.body,
      signal: abort.signal,
    });
  } catch (error) {
    throw failure(error, "unreachable", "the host could not be reached");
  }
  const headersMs = request.nowMs() - started;
  const contentType = response.headers.get("content-type") ?? "application/octet-stream";
  const streamed = response.status >= 200 && response.status < 300 && /^text\/event-stream\b/i.test(contentType);
  if (!streamed || response.body === null) {
    let body: Uint8Array;
    try {
      body = new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      throw failure(error, "unreachable", "the host's answer broke off");
    }
    clearTimeout(deadline);
    const answer = answerOf(response, body, headersMs, request.nowMs() - started);
    return "refused" in answer ? answer : { answer };
  }

  const reader = response.body.getReader();
  const splitter = new SseSplitter();
  const read = async (): Promise<Uint8Array | undefined> => {
    try {
      const { done, value } = await reader.read();
      if (done) clearTimeout(deadline);
      return done ? undefined : value;
    } catch (error) {
      throw failure(error, "interrupted", "the host's stream broke off");
    }
  };
  const firstBytes = await read().catch((error: unknown) => {
    // Before the first byte nothing reached the buyer: the same failure as a host that never answered.
    throw error instanceof HostFailedError && error.kind === "interrupted"
      ? new HostFailedError("unreachable", "the host's answer broke off before its first byte", error)
      : error;
  });
  if (firstBytes === undefined) throw new HostFailedError("garbage", "the host's stream ended without a byte");
  const ttfbMs = request.nowMs() - started;
  return {
    stream: {
      status: response.status,
      contentType,
      ttfbMs,
      first: splitter.push(firstBytes),
      next: async () => {
        const bytes = await read();
        return bytes === undefined ? undefined : splitter.push(bytes);
      },
      cancel: async () => {
        clearTimeout(deadline);
        await reader.cancel().catch(() => undefined);
        abort.abort();
      },
    },
  };
}
