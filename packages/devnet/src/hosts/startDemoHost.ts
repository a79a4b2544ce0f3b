import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { z } from "zod";
import { closeServer } from "./closeServer.ts";
import { createRng } from "./createRng.ts";
import { type DemoHostConfig, type DemoHostConfigInput, demoHostConfigSchema } from "./DemoHostConfig.ts";
import { deterministicAnswer } from "./deterministicAnswer.ts";
import { listenLoopback } from "./listenLoopback.ts";
import { type ChatMessage, chatCompletionRequestSchema, completionRequestSchema } from "./openAiSchemas.ts";

/** Options for {@link startDemoHost}: identity, seed, and the initial config. */
export type DemoHostOptions = DemoHostConfigInput & {
  /** Host name, reported by /health. */
  readonly name: string;
  /** The model id the host serves; requests for another model get OpenAI's 404 model_not_found. */
  readonly model: string;
  /** Seeds latency and failure draws, so a request sequence behaves the same on every run. Default 1. */
  readonly seed?: number;
};

/** Request counters, also served at GET /admin/stats. */
export interface DemoHostStats {
  /** Inference and health requests received (admin excluded). */
  readonly requests: number;
  /** Requests answered successfully. */
  readonly served: number;
  /** Requests failed on purpose (503, dropped or left hanging). */
  readonly failed: number;
  /** Requests rejected as invalid (4xx). */
  readonly rejected: number;
}

/** A running demo host. */
export interface DemoHost {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly name: string;
  readonly model: string;
  config(): DemoHostConfig;
  /** Replaces the given top-level fields, as PUT /admin/config does; throws a ZodError on bad input. */
  setConfig(update: Partial<DemoHostConfigInput>): DemoHostConfig;
  stats(): DemoHostStats;
  close(): Promise<void>;
}

const maxBodyBytes = 1 << 20;
const configUpdateSchema = demoHostConfigSchema.partial();

class HttpError extends Error {
  override readonly name = "HttpError";
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/**
 * An OpenAI-style stream: one server-sent event per chunk, then `data: [DONE]`. The demo answers at once, so the
 * chunks go out together; what matters is their shape (and the usage chunk, which the gateway charges by).
 */
function sendEvents(res: ServerResponse, chunks: readonly unknown[]): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  for (const chunk of chunks) res.write(`data: ${JSON.stringify(chunk)}\n\n`);
  res.end("data: [DONE]\n\n");
}

/** An answer as streamed tokens: a word with the space before it, so the usage's word count is the token count. */
function tokensOf(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}

/** OpenAI's error envelope, so SDK clients surface the message. */
function sendOpenAiError(res: ServerResponse, error: HttpError): void {
  const type = error.status >= 500 ? "server_error" : "invalid_request_error";
  sendJson(res, error.status, { error: { message: error.message, type, param: null, code: error.code } });
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) throw new HttpError(413, "request body too large");
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
  } catch {
    throw new HttpError(400, "request body is not valid JSON");
  }
}

function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new HttpError(400, z.prettifyError(result.error));
  return result.data;
}

function chatPrompt(messages: readonly ChatMessage[]): string {
  return messages
    .map((message) => {
      const content =
        typeof message.content === "string"
          ? message.content
          : (message.content ?? []).map((part) => part.text ?? "").join("");
      return `${message.role}: ${content}`;
    })
    .join("\n");
}

function wordCount(text: string): number {
  return text.split(/\s+/).filter((word) => word.length > 0).length;
}

/**
 * Starts a demo model host on 127.0.0.1: an OpenAI-style inference API with seeded latency and failures, plus
 * GET/PUT /admin/config to change them at run time and GET /admin/stats.
 *
 * @example
 * const host = await startDemoHost({ name: "h1", model: "llama-demo", ...demoHostPresets.healthy, seed: 7 });
 */
export async function startDemoHost(options: DemoHostOptions): Promise<DemoHost> {
  const { name, model, seed = 1, ...initial } = options;
  let config = demoHostConfigSchema.parse(initial);
  const random = createRng(seed);
  const counters = { requests: 0, served: 0, failed: 0, rejected: 0 };
  // Pending latency waits, so close() can end them at once instead of leaving requests parked on timers.
  const waits = new Map<NodeJS.Timeout, () => void>();
  let closing = false;

  const setConfig = (update: unknown): DemoHostConfig => {
    const parsed = configUpdateSchema.parse(update);
    // Parse the merge again so the stored config is always a complete, valid one.
    config = demoHostConfigSchema.parse({ ...config, ...parsed });
    return config;
  };

  const delay = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        waits.delete(timer);
        resolve();
      }, ms);
      waits.set(timer, resolve);
    });

  /** Draws this request's fate; always three draws, so the stream stays aligned whatever the config. */
  const draw = (): { fail: boolean; latencyMs: number } => {
    const uFail = random();
    const uTail = random();
    const uJitter = random();
    const { latency, failureRate } = config;
    const tail = uTail < latency.tailProbability ? latency.slowMs : 0;
    return { fail: uFail < failureRate, latencyMs: latency.baseMs + uJitter * latency.jitterMs + tail };
  };

  /** Waits the drawn latency, then fails on purpose; returns false when the request must not be answered. */
  const simulate = async (req: IncomingMessage, res: ServerResponse, withLatency: boolean): Promise<boolean> => {
    const { fail, latencyMs } = draw();
    const mode = config.failureMode;
    if (withLatency) await delay(latencyMs);
    if (closing || res.destroyed) return false;
    if (!fail) return true;
    counters.failed++;
    if (mode === "http503") sendOpenAiError(res, new HttpError(503, `${name} is unavailable`, "service_unavailable"));
    else if (mode === "drop") req.socket.destroy();
    // "timeout": leave the request open; the client gives up, or close() destroys the socket.
    return false;
  };

  const answer = (text: string): { text: string; usage: Record<string, number>; id: string } => {
    const { text: reply, digest } = deterministicAnswer(model, text);
    const promptTokens = wordCount(text);
    const completionTokens = wordCount(reply);
    return {
      text: reply,
      id: digest.slice(0, 24),
      usage: {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
      },
    };
  };

  const checkModel = (requested: string): void => {
    if (requested !== model) {
      throw new HttpError(404, `The model \`${requested}\` does not exist`, "model_not_found");
    }
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    const method = req.method ?? "GET";

    if (path === "/admin/config") {
      if (method === "GET") return sendJson(res, 200, config);
      if (method === "PUT") {
        const body = await readJson(req);
        const result = configUpdateSchema.safeParse(body);
        if (!result.success) throw new HttpError(400, `invalid config: ${z.prettifyError(result.error)}`);
        const merged = demoHostConfigSchema.safeParse({ ...config, ...result.data });
        if (!merged.success) throw new HttpError(400, `invalid config: ${z.prettifyError(merged.error)}`);
        config = merged.data;
        return sendJson(res, 200, config);
      }
      throw new HttpError(405, `${method} not allowed on ${path}`);
    }
    if (path === "/admin/stats" && method === "GET") return sendJson(res, 200, { ...counters });

    counters.requests++;
    if (path === "/health" && method === "GET") {
      // Health shares the failure draw (not the latency), so an uptime prober on /health sees the same outages.
      if (!(await simulate(req, res, false))) return;
      counters.served++;
      return sendJson(res, 200, { status: "ok", name, model });
    }
    const created = Math.floor(Date.now() / 1000);
    if (path === "/v1/completions" && method === "POST") {
      const body = parseOrThrow(completionRequestSchema, await readJson(req));
      checkModel(body.model);
      const prompts = typeof body.prompt === "string" ? [body.prompt] : body.prompt;
      if (!(await simulate(req, res, true))) return;
      const answers = prompts.map(answer);
      counters.served++;
      if (body.stream === true) {
        const id = `cmpl-${answers[0]?.id ?? ""}`;
        const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
          ({ id, object: "text_completion", created, model, choices, ...extra }) as const;
        const chunks = answers.flatMap((a, index) => [
          ...tokensOf(a.text).map((text) => chunk([{ text, index, logprobs: null, finish_reason: null }])),
          chunk([{ text: "", index, logprobs: null, finish_reason: "stop" }]),
        ]);
        const usage = chunk([], { usage: sumUsage(answers.map((a) => a.usage)) });
        return sendEvents(res, body.stream_options?.include_usage === true ? [...chunks, usage] : chunks);
      }
      return sendJson(res, 200, {
        id: `cmpl-${answers[0]?.id ?? ""}`,
        object: "text_completion",
        created,
        model,
        choices: answers.map((a, index) => ({ text: a.text, index, logprobs: null, finish_reason: "stop" })),
        usage: sumUsage(answers.map((a) => a.usage)),
      });
    }
    if (path === "/v1/chat/completions" && method === "POST") {
      const body = parseOrThrow(chatCompletionRequestSchema, await readJson(req));
      checkModel(body.model);
      if (!(await simulate(req, res, true))) return;
      const a = answer(chatPrompt(body.messages));
      counters.served++;
      if (body.stream === true) {
        const id = `chatcmpl-${a.id}`;
        const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
          ({ id, object: "chat.completion.chunk", created, model, choices, ...extra }) as const;
        const chunks = [
          chunk([{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }]),
          ...tokensOf(a.text).map((content) =>
            chunk([{ index: 0, delta: { content }, logprobs: null, finish_reason: null }]),
          ),
          chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: "stop" }]),
        ];
        const usage = chunk([], { usage: a.usage });
        return sendEvents(res, body.stream_options?.include_usage === true ? [...chunks, usage] : chunks);
      }
      return sendJson(res, 200, {
        id: `chatcmpl-${a.id}`,
        object: "chat.completion",
        created,
        model,
        choices: [{ index: 0, message: { role: "assistant", content: a.text }, logprobs: null, finish_reason: "stop" }],
        usage: a.usage,
      });
    }
    throw new HttpError(404, `no route for ${method} ${path}`);
  };

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (res.headersSent || res.destroyed) return;
      const httpError = error instanceof HttpError ? error : new HttpError(500, "internal error");
      if (httpError.status < 500 && !req.url?.startsWith("/admin/")) counters.rejected++;
      sendOpenAiError(res, httpError);
    });
  });
  const port = await listenLoopback(server);

  return {
    url: `http://127.0.0.1:${port}`,
    name,
    model,
    config: () => config,
    setConfig,
    stats: () => ({ ...counters }),
    close: async () => {
      closing = true;
      for (const [timer, resolve] of waits) {
        clearTimeout(timer);
        resolve();
      }
      waits.clear();
      await closeServer(server);
    },
  };
}

function sumUsage(usages: readonly Record<string, number>[]): Record<string, number> {
  const total: Record<string, number> = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
  for (const usage of usages) for (const [key, value] of Object.entries(usage)) total[key] = (total[key] ?? 0) + value;
  return total;
}
