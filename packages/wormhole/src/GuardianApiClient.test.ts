import { toChain } from "@wormhole-foundation/sdk-base";
import { createVAA, serialize, UniversalAddress } from "@wormhole-foundation/sdk-definitions";
import { describe, expect, it } from "vitest";
import { GuardianApiError } from "./errors/GuardianApiError.ts";
import { GuardianApiUnavailableError } from "./errors/GuardianApiUnavailableError.ts";
import { VaaNotYetAvailableError } from "./errors/VaaNotYetAvailableError.ts";
import { WormholeConfigError } from "./errors/WormholeConfigError.ts";
import { GuardianApiClient, type GuardianApiClientOptions } from "./GuardianApiClient.ts";
import type { VaaId } from "./vaaId.ts";

const EMITTER = `${"00".repeat(12)}${"ab".repeat(20)}`;
const ID: VaaId = { chain: 10002, emitter: EMITTER, sequence: 7n };
const VAA = serialize(
  createVAA("Uint8Array", {
    guardianSet: 0,
    signatures: [],
    timestamp: 1,
    nonce: 0,
    emitterChain: toChain(10002),
    emitterAddress: new UniversalAddress(`0x${EMITTER}`),
    sequence: 7n,
    consistencyLevel: 1,
    payload: new Uint8Array([0, 0, 0x7a, 0x6a]),
  }),
);
const OK_BODY = JSON.stringify({ vaaBytes: Buffer.from(VAA).toString("base64") });
const NOT_FOUND_BODY = JSON.stringify({ code: 5, message: "requested VAA not found in store", details: [] });

type Answer = { status: number; body: string } | "network-error" | "hang";

/** A fetch that answers from a script and records what it was asked; loopback URLs only, never a socket. */
function scriptedFetch(answers: Answer[]) {
  const calls: string[] = [];
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    calls.push(url);
    const answer = answers.shift() ?? { status: 404, body: NOT_FOUND_BODY };
    if (answer === "network-error") throw new TypeError(`fetch failed: connect ECONNREFUSED ${url}`);
    if (answer === "hang") {
      return new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
      });
    }
    return new Response(answer.body, { status: answer.status, headers: { "content-type": "application/json" } });
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

function client(answers: Answer[], overrides: Partial<GuardianApiClientOptions> = {}) {
  const { fetch, calls } = scriptedFetch(answers);
  const sleeps: number[] = [];
  const api = new GuardianApiClient({
    baseUrls: ["http://127.0.0.1:7071"],
    fetch,
    timeoutMs: 50,
    backoff: { initialMs: 100, maxMs: 1_000, factor: 2, jitter: 0.5 },
    maxAttempts: 5,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0,
    ...overrides,
  });
  return { api, calls, sleeps };
}

describe("GuardianApiClient", () => {
  it("keeps polling through 404s with exponential backoff until the VAA is served", async () => {
    const { api, calls, sleeps } = client([
      { status: 404, body: NOT_FOUND_BODY },
      { status: 404, body: NOT_FOUND_BODY },
      { status: 200, body: OK_BODY },
    ]);
    expect(await api.getSignedVaa(ID)).toEqual(VAA);
    expect(calls).toEqual(Array(3).fill(`http://127.0.0.1:7071/v1/signed_vaa/10002/${EMITTER}/7`));
    expect(sleeps).toEqual([100, 200]);
  });

  it("jitters each delay down by up to its jitter share, and caps it at maxMs", async () => {
    const { api, sleeps } = client([], { random: () => 0.999, maxAttempts: 6 });
    await expect(api.getSignedVaa(ID)).rejects.toBeInstanceOf(VaaNotYetAvailableError);
    // 100, 200, 400, 800, 1000 (capped), each minus ~50%
    expect(sleeps).toEqual([50, 100, 200, 400, 500]);
  });

  it("retries a 500 on the next base URL", async () => {
    const { api, calls } = client(
      [
        { status: 500, body: "oops" },
        { status: 200, body: OK_BODY },
      ],
      { baseUrls: ["http://127.0.0.1:7071", "http://127.0.0.1:7072/"] },
    );
    expect(await api.getSignedVaa(ID)).toEqual(VAA);
    expect(calls.map((url) => new URL(url).port)).toEqual(["7071", "7072"]);
  });

  it("times out a hanging request and moves on", async () => {
    const { api, calls } = client(["hang", { status: 200, body: OK_BODY }], {
      baseUrls: ["http://127.0.0.1:7071", "http://127.0.0.1:7072"],
    });
    const started = performance.now();
    expect(await api.getSignedVaa(ID)).toEqual(VAA);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(calls).toHaveLength(2);
  });

  it("reports an API that only ever times out or errors as unavailable (retryable)", async () => {
    const { api } = client(["hang", "network-error", { status: 503, body: "" }], { maxAttempts: 3 });
    const error = await api.getSignedVaa(ID).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GuardianApiUnavailableError);
    expect((error as GuardianApiUnavailableError).retryable).toBe(true);
    expect((error as Error).message).toMatch(/timed out after 50 ms/);
  });

  it("refuses a malformed body with a typed, non-retryable error", async () => {
    for (const body of ["not json", JSON.stringify({ vaaBytes: 42 }), JSON.stringify({ vaaBytes: "!!notbase64" })]) {
      const { api } = client([{ status: 200, body }]);
      const error = await api.getSignedVaa(ID).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GuardianApiError);
      expect((error as GuardianApiError).retryable).toBe(false);
    }
  });

  it("refuses a VAA for another id than asked, and drops only that URL", async () => {
    // OK_BODY holds sequence 7; the rest of the script is 404s
    const { api, calls } = client([{ status: 200, body: OK_BODY }], {
      baseUrls: ["http://127.0.0.1:7071", "http://127.0.0.1:7072"],
    });
    await expect(api.getSignedVaa({ ...ID, sequence: 8n })).rejects.toBeInstanceOf(VaaNotYetAvailableError);
    // the first URL served sequence 7 for 8: never asked again in that call; the second kept being polled
    expect(calls.slice(1).every((url) => new URL(url).port === "7072")).toBe(true);
  });

  it("gives up after maxAttempts of 404 with a retryable VaaNotYetAvailableError", async () => {
    const { api, calls } = client([], { maxAttempts: 4 });
    const error = await api.getSignedVaa(ID).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VaaNotYetAvailableError);
    expect((error as VaaNotYetAvailableError).retryable).toBe(true);
    expect((error as VaaNotYetAvailableError).vaaId).toBe(`10002/${EMITTER}/7`);
    expect(calls).toHaveLength(4);
  });

  it("looks once when asked to (status checks)", async () => {
    const { api, calls } = client([]);
    await expect(api.getSignedVaa(ID, { maxAttempts: 1 })).rejects.toBeInstanceOf(VaaNotYetAvailableError);
    expect(calls).toHaveLength(1);
  });

  it("never puts an API key from a base URL into an error", async () => {
    const pathKey = "Zk3vL9aQ8xYp2Rt7Nw4Bc6Df1Gh5Jm0K";
    const queryKey = "q5Ue7s3cr3t";
    const baseUrls = [`http://127.0.0.1:7071/v1/${pathKey}`, `http://127.0.0.1:7072/?apiKey=${queryKey}`];
    const answers: Answer[][] = [
      ["network-error", "network-error"],
      [
        { status: 400, body: "bad" },
        { status: 200, body: "nope" },
      ],
      [],
    ];
    for (const script of answers) {
      const { api, calls } = client(script, { baseUrls, maxAttempts: 2 });
      const error = await api.getSignedVaa(ID).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      const text = `${String(error)} ${JSON.stringify(error)} ${(error as Error).stack ?? ""}`;
      expect(text).not.toContain(pathKey);
      expect(text).not.toContain(queryKey);
      // the key did go to the configured URL (and nowhere else)
      expect(calls[0]).toContain(pathKey);
      expect(calls[1]).toContain(`apiKey=${queryKey}`);
      expect(new URL(calls[1] ?? "").pathname).toBe(`/v1/signed_vaa/10002/${EMITTER}/7`);
    }
  });

  it("has no default endpoint: it needs configured http(s) base URLs", () => {
    const options = { timeoutMs: 1, backoff: { initialMs: 1, maxMs: 1, factor: 1, jitter: 0 }, maxAttempts: 1 };
    expect(() => new GuardianApiClient({ ...options, baseUrls: [] })).toThrow(WormholeConfigError);
    expect(() => new GuardianApiClient({ ...options, baseUrls: ["ftp://127.0.0.1"] })).toThrow(WormholeConfigError);
  });
});
