import { type Clock, scrubSecrets, USAGE_RECEIPT_HEADER, usageReceiptOfHeader } from "@slabridge/core";
import { z } from "zod";
import { completionResponseSchema } from "./completionResponseSchema.ts";
import { ProbeConfigError } from "./ProbeConfigError.ts";
import type { ProbeOutcome, ProbeSample } from "./ProbeSample.ts";
import { buyerClientHeaders, drawProbePrompt, type ProbePrompt } from "./promptCorpus.ts";

/** The subset of `fetch` a probe uses; inject one to test or to route through another agent. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/**
 * A paying fetch of one x402 buyer (the prober's own payer). It sets `call.deposited` as soon as it sends a payment
 * that carries a channel deposit (the gateway then submits a transaction before answering, which is not the host's
 * time), and calls `call.paidRequestSent()` as it sends the request that carries the payment.
 */
export type PaidFetchLike = (input: string, init: RequestInit, call: PaidCallState) => Promise<Response>;

/** What a probe learns from its paying fetch while the call runs. */
export interface PaidCallState {
  deposited: boolean;
  /** The request that carries the payment (the one the gateway forwards to the host) is being sent now. */
  paidRequestSent(): void;
}

/**
 * A probe through a gateway that says nothing about the host: the gateway refused the payment (402), failed itself
 * (a 5xx that is not a host failure), refused the request (its own 4xx), or the measured time included a deposit.
 * Nothing is recorded for it; the round reports it.
 */
export interface ProbeSkip {
  readonly skipped: true;
  readonly modelId?: string;
  readonly prober: string;
  readonly startedAt: number;
  readonly status?: number;
  readonly reason: string;
}

/** What a probe through a gateway ends as: a sample of the host, or a skip. */
export type ProbeResult = ProbeSample | ProbeSkip;

/** Whether a probe result is a {@link ProbeSkip}. */
export function isProbeSkip(result: ProbeResult): result is ProbeSkip {
  return "skipped" in result;
}

/** Options for {@link probeHost}. */
export interface ProbeHostOptions {
  /** The host's base URL (`http(s)://host[:port][/prefix]`); the probe posts to `<url>/v1/completions`. */
  readonly url: string;
  /** The model id the host must serve. */
  readonly model: string;
  /** The SLA's probe timeout: the request is aborted after this many milliseconds and recorded as `timeout`. */
  readonly timeoutMs: number;
  /** The vantage point's name (AWS region or local instance). */
  readonly prober: string;
  /** The Model NFT's id, copied into the sample. */
  readonly modelId?: string;
  /** Extra request headers (e.g. an API key); never copied into samples. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Default: global `fetch`. */
  readonly fetch?: FetchLike;
  /** Wall clock for `startedAt`. Default: `Date.now`. */
  readonly clock?: Clock;
  /** Monotonic high-resolution clock in milliseconds for `rttMs`. Default: `performance.now`. */
  readonly hrtime?: () => number;
  /** Largest response body read; a bigger one is a `bad-answer`. Default 1 MiB. */
  readonly maxBodyBytes?: number;
  /**
   * The round's deadline: when it aborts, the probe stops waiting and ends as a `timeout` (the host still had not
   * answered when the prober's time ran out: host side, see {@link runProbeRound}).
   */
  readonly roundSignal?: AbortSignal;
  /** The prompt to send; default a fresh draw from the corpus (`drawProbePrompt`). */
  readonly prompt?: ProbePrompt;
}

const optionsSchema = z.object({
  url: z.url({ protocol: /^https?$/ }),
  model: z.string().min(1),
  // Above 10 minutes no SLA makes sense, and Node timers misbehave past 2^31 ms.
  timeoutMs: z.number().finite().positive().max(600_000),
  prober: z.string().min(1),
  modelId: z.string().min(1).optional(),
  maxBodyBytes: z.number().int().positive().optional(),
});

const systemClock: Clock = { now: () => Date.now() };
const defaultMaxBodyBytes = 1 << 20;

/**
 * Checks `options` and throws {@link ProbeConfigError} when they are unusable; {@link runProbeRound} calls this for
 * every target before sending anything.
 *
 * @example
 * assertProbeOptions({ url: "http://127.0.0.1:8080", model: "m", timeoutMs: 2000, prober: "local-1" });
 */
export function assertProbeOptions(options: ProbeHostOptions): void {
  const result = optionsSchema.safeParse({
    url: options.url,
    model: options.model,
    timeoutMs: options.timeoutMs,
    prober: options.prober,
    modelId: options.modelId,
    maxBodyBytes: options.maxBodyBytes,
  });
  if (!result.success) throw new ProbeConfigError(`probe of ${options.url}`, z.prettifyError(result.error));
}

/**
 * Through a gateway, how much longer than the SLA timeout a probe waits for the gateway's answer. The gateway's own
 * work around the forward (voucher checks, channel writes, the receipt's signature) is not the host's, and can be
 * slow when the gateway is busy; the host is judged by its own time, which the gateway's signed receipt states. A
 * host that took longer than the SLA timeout by the receipt is still a `timeout`, and so is a gateway silent past the
 * allowance too (a hung host, if the gateway's own host timeout is longer than the SLA's).
 */
const GATEWAY_ALLOWANCE_MS = 2_000;

/** Thrown into the request when the SLA timeout fires, so a timeout is told apart from any other abort. */
class SlaTimeout extends Error {
  override readonly name: string = "SlaTimeout";
}

/** The round's deadline came first: the host was still holding the probe. */
class RoundDeadline extends SlaTimeout {
  override readonly name = "RoundDeadline";
}

type Body = { readonly text: string } | { readonly tooLarge: true };

async function readBody(res: Response, limit: number): Promise<Body> {
  if (res.body === null) return { text: "" };
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return { tooLarge: true };
    }
    chunks.push(value);
  }
  return { text: Buffer.concat(chunks).toString("utf8") };
}

function oneLine(text: string, max = 200): string {
  const line = text.replace(/\s+/g, " ").trim();
  return scrubSecrets(line.length > max ? `${line.slice(0, max)}…` : line);
}

function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return oneLine(String(error));
  // undici reports "fetch failed" and hides the useful part (ECONNREFUSED, socket hang up) in the cause.
  const cause = error.cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return oneLine(`${error.message}: ${typeof code === "string" ? `${code} ` : ""}${cause.message}`);
  }
  return oneLine(error.message);
}

function httpErrorMessage(status: number, text: string): string {
  try {
    const parsed = z.object({ error: z.object({ message: z.string() }) }).safeParse(JSON.parse(text));
    if (parsed.success) return oneLine(`HTTP ${status}: ${parsed.data.error.message}`);
  } catch {
    // Not JSON: the status alone says enough.
  }
  return `HTTP ${status}`;
}

function judgeAnswer(text: string, model: string, expected: string | undefined): string | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return "response body is not JSON";
  }
  const parsed = completionResponseSchema.safeParse(json);
  if (!parsed.success) return oneLine(`malformed completion: ${z.prettifyError(parsed.error)}`);
  // Providers may answer with a dated variant ("gpt-4o" -> "gpt-4o-2024-08-06"), so a prefix match is enough.
  if (!parsed.data.model.startsWith(model)) return oneLine(`answered for model ${parsed.data.model}, not ${model}`);
  // A challenge's answer is known: a reply without it (a canned answer, a stub) is not the model answering.
  if (expected !== undefined && !parsed.data.choices.some((c) => c.text.includes(expected))) {
    return "the answer does not contain the challenge's expected text";
  }
  return undefined;
}

/**
 * Sends one canary completion to a host and records how it went. Host failures (timeouts, HTTP errors, malformed
 * answers, refused connections) are data and come back as a sample; only invalid options throw
 * ({@link ProbeConfigError}). The request is what a buyer's OpenAI client sends (its headers, a prompt from a varied
 * corpus); a third of the prompts are challenges whose answer is checked, so a canned reply fails.
 * `rttMs` runs from just before the request to the last byte of the body, on a monotonic clock.
 *
 * @example
 * const sample = await probeHost({ url: host.url, model: "llama-demo", timeoutMs: 2000, prober: "local-1" });
 * if (sample.outcome === "ok") record(sample.rttMs);
 */
export async function probeHost(options: ProbeHostOptions): Promise<ProbeSample> {
  const doFetch: FetchLike = options.fetch ?? ((input, init) => fetch(input, init));
  const result = await probeOnce(options, (input, init) => doFetch(input, init));
  if (isProbeSkip(result)) throw new Error(`a direct probe cannot be skipped: ${result.reason}`);
  return result;
}

/**
 * Probes a host through its x402 gateway as a paying buyer: `url` is the model's gateway URL
 * (`<gateway>/models/<key>`), and `pay` the prober's own paying fetch. The gateway's typed host failures are the
 * host's (`host_timeout` -> `timeout`, `host_unreachable` -> `network-error`, `host_http_error` -> `http-error`,
 * `host_garbage` -> `bad-answer`); the gateway's own refusals and failures, and an `ok` whose time included a
 * deposit with no receipt to time the host by, are a {@link ProbeSkip}: nothing about the host. A call's time is the
 * host's part as the gateway's usage receipt states it (the gateway's own work is not the host's), capped at what the
 * prober saw.
 *
 * @example const result = await probeViaGateway({ url: `${gateway}/models/healthy-evm-a`, model, timeoutMs, prober, pay });
 */
export async function probeViaGateway(
  options: ProbeHostOptions & { readonly pay: PaidFetchLike },
): Promise<ProbeResult> {
  return probeOnce(options, options.pay, true);
}

/**
 * The host's total time on a paid call, from the gateway's usage receipt: the gateway timed only its forward to the
 * host, so its own work (voucher checks, channel writes, a deposit's transaction) is not billed to the host. A call
 * through a gateway is seen from the gateway's vantage point anyway. Undefined without a readable receipt.
 */
function hostLatencyOf(res: Response): number | undefined {
  return usageReceiptOfHeader(res.headers.get(USAGE_RECEIPT_HEADER))?.receipt.latencyMs;
}

/** The gateway's host failure codes (packages/gateway's HostFailedError), each as the direct probe would see it. */
const hostFailures: Readonly<Record<string, ProbeOutcome>> = {
  host_timeout: "timeout",
  host_unreachable: "network-error",
  host_http_error: "http-error",
  host_garbage: "bad-answer",
};

const gatewayErrorSchema = z.object({ error: z.string(), message: z.string() });

/** The gateway's own error body (`{ error: "<code>", message }`); undefined for any other body (a host's). */
function gatewayErrorOf(text: string): z.infer<typeof gatewayErrorSchema> | undefined {
  try {
    const parsed = gatewayErrorSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined; // not JSON: not the gateway's error body
  }
}

function gatewayErrorText(status: number, text: string): string {
  const error = gatewayErrorOf(text);
  return error === undefined
    ? httpErrorMessage(status, text)
    : oneLine(`HTTP ${status} ${error.error}: ${error.message}`);
}

/** Why a gateway answered 402: the `error` of its `PAYMENT-REQUIRED` header (base64 JSON), when it names one. */
function paymentRefusal(res: Response): string {
  const header = res.headers.get("payment-required");
  try {
    const parsed = z
      .object({ error: z.string() })
      .safeParse(JSON.parse(Buffer.from(header ?? "", "base64").toString("utf8")));
    if (parsed.success) return oneLine(parsed.data.error);
  } catch {
    // No readable header: the status says enough.
  }
  return "HTTP 402";
}

async function probeOnce(options: ProbeHostOptions, send: PaidFetchLike, viaGateway = false): Promise<ProbeResult> {
  assertProbeOptions(options);
  const { url, model, timeoutMs, prober, modelId } = options;
  const hrtime = options.hrtime ?? (() => performance.now());
  const limit = options.maxBodyBytes ?? defaultMaxBodyBytes;
  const endpoint = `${url.replace(/\/+$/, "")}/v1/completions`;
  // Drawn from a corpus of buyer-like prompts (a third of them challenges with a fresh code), so a probe cannot be
  // told from paid traffic by its text and a cache cannot answer it.
  const drawn = options.prompt ?? drawProbePrompt();
  const body = JSON.stringify({
    model,
    prompt: drawn.prompt,
    max_tokens: drawn.maxTokens,
    temperature: drawn.temperature,
    stream: false,
  });

  const controller = new AbortController();
  // Racing every await against this bounds the probe at the timeout even with a fetch that ignores its signal.
  const aborted = new Promise<never>((_, reject) => {
    controller.signal.addEventListener("abort", () => reject(controller.signal.reason), { once: true });
  });
  aborted.catch(() => undefined);

  const startedAt = Math.floor((options.clock ?? systemClock).now());
  const t0 = hrtime();
  const waitMs = viaGateway ? timeoutMs + GATEWAY_ALLOWANCE_MS : timeoutMs;
  const slaTimeout = () => controller.abort(new SlaTimeout(`no full answer within ${waitMs} ms`));
  let timer = setTimeout(slaTimeout, waitMs);
  const cutRound = () =>
    controller.abort(new RoundDeadline("no full answer when the prober's round deadline came (host still pending)"));
  if (options.roundSignal?.aborted) cutRound();
  else options.roundSignal?.addEventListener("abort", cutRound, { once: true });
  // Set when the last body byte arrived, so validating the answer is not billed to the host.
  let endedAt: number | undefined;
  // Through a gateway the time runs from the paid request: the 402 challenge before it and the client's signing are
  // the payment protocol's (no host is involved yet), like the deposit.
  let paidAt: number | undefined;
  const seen: PaidCallState = {
    deposited: false,
    paidRequestSent: () => {
      paidAt = hrtime();
      // The SLA timeout too runs from the request the host is asked through.
      clearTimeout(timer);
      timer = setTimeout(slaTimeout, waitMs);
    },
  };
  const skip = (reason: string, status?: number): ProbeSkip => ({
    skipped: true,
    ...(modelId === undefined ? {} : { modelId }),
    prober,
    startedAt,
    ...(status === undefined ? {} : { status }),
    reason: oneLine(reason),
  });
  // Through a gateway, the host's own time as the gateway timed it (its signed usage receipt), when it has one.
  let hostMs: number | undefined;
  // The call's time as judged: the host's part of a paid call can only be shorter than the whole call the prober saw.
  const judgedMs = (): number => {
    const ownMs = Math.max(0, (endedAt ?? hrtime()) - (paidAt ?? t0));
    return hostMs !== undefined && hostMs <= ownMs ? hostMs : ownMs;
  };
  const sample = (outcome: ProbeOutcome, extra: { status?: number; error?: string } = {}): ProbeSample => {
    return {
      ...(modelId === undefined ? {} : { modelId }),
      host: url,
      prober,
      startedAt,
      rttMs: judgedMs(),
      outcome,
      ...extra,
    };
  };

  try {
    const res = await Promise.race([
      send(
        endpoint,
        {
          method: "POST",
          headers: { ...buyerClientHeaders(), ...options.headers },
          body,
          signal: controller.signal,
          // The SLA is about the listed endpoint; following a redirect would measure another one.
          redirect: "manual",
        },
        seen,
      ),
      aborted,
    ]);
    const read = await Promise.race([readBody(res, limit), aborted]);
    endedAt = hrtime();
    const status = res.status;
    if (viaGateway) hostMs = hostLatencyOf(res);
    if ("tooLarge" in read) return sample("bad-answer", { status, error: `response body over ${limit} bytes` });
    if (status < 200 || status > 299) {
      if (viaGateway) {
        const code = gatewayErrorOf(read.text)?.error;
        const hostOutcome = code !== undefined && Object.hasOwn(hostFailures, code) ? hostFailures[code] : undefined;
        // The gateway timed the host alone: its host failure is the host's, a deposit or not.
        if (hostOutcome !== undefined)
          return sample(hostOutcome, { status, error: gatewayErrorText(status, read.text) });
        if (status === 402) return skip(`the gateway refused the payment: ${paymentRefusal(res)}`, status);
        // The gateway's own answer (its code), or any 5xx not blamed on the host: not the host's doing.
        if (code !== undefined || status >= 500) return skip(`gateway: ${gatewayErrorText(status, read.text)}`, status);
      }
      return sample("http-error", { status, error: httpErrorMessage(status, read.text) });
    }
    // Waited past the SLA timeout for the gateway: the host's own time decides (its receipt's, or all the prober saw).
    if (viaGateway && judgedMs() > timeoutMs) {
      return sample("timeout", {
        status,
        error: `the host's part took ${Math.round(judgedMs())} ms, over ${timeoutMs} ms`,
      });
    }
    const problem = judgeAnswer(read.text, model, drawn.expect);
    if (problem !== undefined) return sample("bad-answer", { status, error: problem });
    // The time of an answer paid with a deposit includes the deposit's transaction: not the host's latency, unless
    // the gateway's receipt says what the host's part was.
    if (seen.deposited && hostMs === undefined) {
      return skip("the call carried a channel deposit, so its time is not the host's", status);
    }
    return sample("ok", { status });
  } catch (error) {
    if (controller.signal.reason instanceof SlaTimeout) {
      if (seen.deposited) {
        return skip("the SLA timeout came during a call that carried a channel deposit");
      }
      return sample("timeout", { error: controller.signal.reason.message });
    }
    // Through a gateway a thrown error is the payment client's or the gateway's connection: nothing about the host.
    if (viaGateway) return skip(`payment or gateway error: ${describeNetworkError(error)}`);
    return sample("network-error", { error: describeNetworkError(error) });
  } finally {
    clearTimeout(timer);
    options.roundSignal?.removeEventListener("abort", cutRound);
    // Frees the connection of a request that is still streaming (e.g. after a body-size cut).
    controller.abort();
  }
}
