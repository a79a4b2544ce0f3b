import { type Hex, scrubSecrets } from "@slabridge/core";
import type { z } from "zod";
import { InvalidStatusAnswerError, NoEvidenceYetError, StatusUnreachableError, UnknownEpochError } from "./errors.ts";
import { type EpochAnswer, epochAnswerSchema, errorAnswerSchema } from "./statusAnswers.ts";

/** The `fetch` verify uses (the global one by default; tests pass their own). */
export type FetchLike = (url: string, init?: { signal?: AbortSignal }) => Promise<Response>;

/**
 * The two reads verify makes of a status API: an epoch's status and an evidence bundle's bytes. Failures come out
 * typed ({@link StatusUnreachableError}, {@link UnknownEpochError}, {@link NoEvidenceYetError},
 * {@link InvalidStatusAnswerError}) with the URL scrubbed of credentials.
 *
 * @example const answer = await new StatusApiClient("http://127.0.0.1:8787").epoch(2n, 7n);
 */
export class StatusApiClient {
  readonly #base: string;
  readonly #fetch: FetchLike;
  readonly #timeoutMs: number;

  constructor(baseUrl: string, options: { fetch?: FetchLike; timeoutMs?: number } = {}) {
    this.#base = baseUrl.replace(/\/+$/, "");
    this.#fetch = options.fetch ?? ((url, init) => fetch(url, init));
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** `GET /models/{modelId}/epochs/{epoch}`, the parts verify reads. */
  async epoch(modelId: bigint, epoch: bigint): Promise<EpochAnswer> {
    const url = `${this.#base}/models/${modelId}/epochs/${epoch}`;
    const response = await this.#get(url);
    if (response.status === 404) {
      const body = errorAnswerSchema.safeParse(await response.json().catch(() => undefined));
      if (body.success && (body.data.error.kind === "model" || body.data.error.kind === "epoch")) {
        throw new UnknownEpochError(modelId, epoch, body.data.error.message);
      }
    }
    return this.#parse(url, response, epochAnswerSchema);
  }

  /** `GET /evidence/{address}`: the bundle's bytes exactly as served (the caller checks keccak256). */
  async evidence(modelId: bigint, epoch: bigint, address: Hex): Promise<Uint8Array> {
    const url = `${this.#base}/evidence/${address}`;
    const response = await this.#get(url);
    if (response.status === 404)
      throw new NoEvidenceYetError(modelId, epoch, "the status API does not serve its bundle");
    if (!response.ok) throw new InvalidStatusAnswerError(scrubSecrets(url), `HTTP ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  }

  async #get(url: string): Promise<Response> {
    let response: Response;
    try {
      response = await this.#fetch(url, { signal: AbortSignal.timeout(this.#timeoutMs) });
    } catch (error) {
      throw new StatusUnreachableError(scrubSecrets(url), error);
    }
    if (response.status >= 500) {
      const text = await response.text().catch(() => "");
      throw new StatusUnreachableError(scrubSecrets(url), `HTTP ${response.status} ${text.slice(0, 200)}`);
    }
    return response;
  }

  async #parse<T extends z.ZodType>(url: string, response: Response, schema: T): Promise<z.infer<T>> {
    const shown = scrubSecrets(url);
    if (!response.ok) throw new InvalidStatusAnswerError(shown, `HTTP ${response.status}`);
    let json: unknown;
    try {
      json = await response.json();
    } catch {
      throw new InvalidStatusAnswerError(shown, "not JSON");
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
      throw new InvalidStatusAnswerError(shown, issues.slice(0, 3).join("; "));
    }
    return parsed.data;
  }
}
