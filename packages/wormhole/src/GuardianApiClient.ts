import { REDACTED } from "@slabridge/core";
import { z } from "zod";
import { GuardianApiError } from "./errors/GuardianApiError.ts";
import { GuardianApiUnavailableError } from "./errors/GuardianApiUnavailableError.ts";
import { VaaNotYetAvailableError } from "./errors/VaaNotYetAvailableError.ts";
import { WormholeConfigError } from "./errors/WormholeConfigError.ts";
import { splitVaa } from "./splitVaa.ts";
import { formatVaaId, type VaaId } from "./vaaId.ts";

/** Exponential backoff between attempts: `min(maxMs, initialMs * factor^n)`, minus up to `jitter` of it at random. */
export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
  /** 0..1: the share of each delay that is randomized, so many bots do not poll in lockstep. */
  readonly jitter: number;
}

/** Options of {@link GuardianApiClient}. */
export interface GuardianApiClientOptions {
  /** Guardian REST API base URLs, tried in turn (may carry an API key; it never reaches an error message). */
  readonly baseUrls: readonly string[];
  readonly fetch?: typeof globalThis.fetch;
  /** Per-request timeout. */
  readonly timeoutMs: number;
  readonly backoff: BackoffOptions;
  /** Total requests per `getSignedVaa` call, across every URL. */
  readonly maxAttempts: number;
  /** Injectable for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Injectable for tests (0 <= x < 1). */
  readonly random?: () => number;
}

const signedVaaSchema = z.object({ vaaBytes: z.string().min(1).base64() });

type Outcome =
  | { kind: "vaa"; bytes: Uint8Array }
  | { kind: "not-found" }
  | { kind: "transient"; reason: string }
  | { kind: "unusable"; reason: string; status?: number };

const causeText = (cause: unknown): string =>
  cause instanceof Error ? `(${cause.message})` : typeof cause === "string" ? `(${cause})` : "";

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Fetches signed VAAs from guardian REST APIs (`GET {base}/v1/signed_vaa/{chain}/{emitter}/{sequence}`).
 *
 * - 404: the VAA is not signed yet; polls with backoff until `maxAttempts`, then {@link VaaNotYetAvailableError}
 *   (retryable).
 * - 5xx, network error, timeout: retries with backoff on the next base URL; all attempts failing gives
 *   {@link GuardianApiUnavailableError} (retryable).
 * - a body that is not `{ vaaBytes: base64 }`, a VAA for another id, another 4xx: that URL is dropped for this call;
 *   with none left, {@link GuardianApiError} (not retryable).
 *
 * Only the configured base URLs are ever requested (there is no default endpoint), and errors name a URL by its
 * position, never by its text, so keys in a URL stay out of logs.
 *
 * @example
 * ```ts
 * const client = new GuardianApiClient({
 *   baseUrls: [manifest.guardian.apiUrl],
 *   timeoutMs: 5_000,
 *   backoff: { initialMs: 250, maxMs: 5_000, factor: 2, jitter: 0.2 },
 *   maxAttempts: 20,
 * });
 * const vaa = await client.getSignedVaa({ chain: 10002, emitter: emitterHex64, sequence: 0n });
 * ```
 */
export class GuardianApiClient {
  readonly #baseUrls: readonly URL[];
  readonly #fetch: typeof globalThis.fetch;
  readonly #timeoutMs: number;
  readonly #backoff: BackoffOptions;
  readonly #maxAttempts: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  /** Rotates across calls too, so a dead first URL does not cost every call an attempt. */
  #next = 0;

  constructor(options: GuardianApiClientOptions) {
    if (options.baseUrls.length === 0) throw new WormholeConfigError("GuardianApiClient needs at least one base URL.");
    this.#baseUrls = options.baseUrls.map((url, i) => {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw new WormholeConfigError(`Guardian API base URL #${i + 1} is not a URL.`);
      }
      if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
        throw new WormholeConfigError(`Guardian API base URL #${i + 1} is not http(s).`);
      }
      parsed.pathname = parsed.pathname.replace(/\/+$/, "");
      parsed.hash = "";
      return parsed;
    });
    if (!Number.isInteger(options.maxAttempts) || options.maxAttempts < 1) {
      throw new WormholeConfigError("GuardianApiClient maxAttempts must be a positive integer.");
    }
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#timeoutMs = options.timeoutMs;
    this.#backoff = options.backoff;
    this.#maxAttempts = options.maxAttempts;
    this.#sleep = options.sleep ?? defaultSleep;
    this.#random = options.random ?? Math.random;
  }

  /**
   * The signed VAA of `id`, as serialized bytes (checked to carry that id; signatures are not checked here).
   * `options.maxAttempts` overrides the client's (1 = a single look, e.g. for a status check).
   *
   * @throws {VaaNotYetAvailableError | GuardianApiUnavailableError | GuardianApiError}
   * @example
   * ```ts
   * const bytes = await client.getSignedVaa(parseVaaId(ref.messageId));
   * ```
   */
  async getSignedVaa(id: VaaId, options: { maxAttempts?: number } = {}): Promise<Uint8Array> {
    const vaaId = formatVaaId(id);
    const maxAttempts = options.maxAttempts ?? this.#maxAttempts;
    const usable = new Set(this.#baseUrls.keys());
    const problems: string[] = [];
    let notFound = 0;
    let lastStatus: number | undefined;
    for (let attempt = 0; attempt < maxAttempts && usable.size > 0; attempt++) {
      if (attempt > 0) await this.#sleep(this.#delay(attempt - 1));
      const index = this.#pick(usable);
      const outcome = await this.#request(index, id);
      switch (outcome.kind) {
        case "vaa":
          return outcome.bytes;
        case "not-found":
          notFound++;
          break;
        case "transient":
          problems.push(`#${index + 1}: ${outcome.reason}`);
          break;
        case "unusable":
          usable.delete(index);
          lastStatus = outcome.status;
          problems.push(`#${index + 1}: ${outcome.reason}`);
          break;
      }
    }
    if (usable.size === 0) {
      throw new GuardianApiError(`No guardian API gave a usable answer for VAA ${vaaId}.`, {
        ...(lastStatus === undefined ? {} : { status: lastStatus }),
        metaMessages: problems,
      });
    }
    if (notFound > 0) throw new VaaNotYetAvailableError(vaaId, maxAttempts);
    throw new GuardianApiUnavailableError(maxAttempts, problems.slice(-5).join("; "));
  }

  #pick(usable: ReadonlySet<number>): number {
    for (let i = 0; i < this.#baseUrls.length; i++) {
      const index = (this.#next + i) % this.#baseUrls.length;
      if (usable.has(index)) {
        this.#next = index + 1;
        return index;
      }
    }
    return 0; // unreachable: callers pass a non-empty set
  }

  #delay(retry: number): number {
    const { initialMs, maxMs, factor, jitter } = this.#backoff;
    const base = Math.min(maxMs, initialMs * factor ** retry);
    return Math.max(0, Math.round(base * (1 - jitter * this.#random())));
  }

  async #request(index: number, id: VaaId): Promise<Outcome> {
    const url = new URL(this.#baseUrls[index] ?? "");
    // Keep the base's query (an API key may ride there); the path is appended to the base path.
    url.pathname = `${url.pathname.replace(/\/$/, "")}/v1/signed_vaa/${id.chain}/${id.emitter.toLowerCase()}/${id.sequence}`;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.#timeoutMs);
    try {
      const response = await this.#fetch(url.href, {
        signal: controller.signal,
        headers: { accept: "application/json" },
      });
      if (response.status === 404) {
        await response.body?.cancel();
        return { kind: "not-found" };
      }
      if (response.status >= 500 || response.status === 429) {
        await response.body?.cancel();
        return { kind: "transient", reason: `HTTP ${response.status}` };
      }
      if (response.status !== 200) {
        await response.body?.cancel();
        return { kind: "unusable", reason: `HTTP ${response.status}`, status: response.status };
      }
      return this.#parse(await response.text(), id);
    } catch (error) {
      if (controller.signal.aborted) return { kind: "transient", reason: `timed out after ${this.#timeoutMs} ms` };
      const text = error instanceof Error ? `${error.message} ${causeText(error.cause)}` : String(error);
      return { kind: "transient", reason: this.#scrub(text.split(url.href).join(`guardian API #${index + 1}`)) };
    } finally {
      clearTimeout(timer);
    }
  }

  #parse(text: string, id: VaaId): Outcome {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return { kind: "unusable", reason: "body is not JSON" };
    }
    const parsed = signedVaaSchema.safeParse(json);
    if (!parsed.success) return { kind: "unusable", reason: "body is not { vaaBytes: base64 }" };
    const bytes = new Uint8Array(Buffer.from(parsed.data.vaaBytes, "base64"));
    const served = splitVaa(bytes)?.id;
    if (served === undefined) return { kind: "unusable", reason: "vaaBytes is too short to be a VAA" };
    if (formatVaaId(served) !== formatVaaId(id)) {
      return { kind: "unusable", reason: `served VAA ${formatVaaId(served)} instead` };
    }
    return { kind: "vaa", bytes };
  }

  /** Network errors may quote the URL; replace every configured base URL (and its host) before keeping the text. */
  #scrub(text: string): string {
    let scrubbed = text;
    this.#baseUrls.forEach((base, i) => {
      scrubbed = scrubbed.split(base.href).join(`guardian API #${i + 1}`);
      const { username, password, search, pathname } = base;
      for (const secret of [username, password, search, pathname.length > 1 ? pathname : ""]) {
        if (secret.length > 0) scrubbed = scrubbed.split(secret).join(REDACTED);
      }
    });
    return scrubbed;
  }
}
