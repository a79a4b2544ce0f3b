import { type DemoHost, demoHostPresets, startDemoHost } from "@slabridge/devnet";
import { afterEach, describe, expect, it, vi } from "vitest";
import { startTestServer, type TestServer } from "../testing/startTestServer.ts";
import { ProbeConfigError } from "./ProbeConfigError.ts";
import { probeSampleSchema } from "./ProbeSample.ts";
import { type FetchLike, probeHost } from "./probeHost.ts";

const model = "demo-7b";
/** A free-form prompt: canned test answers are then judged on their shape only. */
const FREE = { prompt: "Tell me a short fun fact about octopuses.", maxTokens: 64, temperature: 0.7 };
const hosts: DemoHost[] = [];
const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all([...hosts.splice(0).map((h) => h.close()), ...servers.splice(0).map((s) => s.close())]);
});

async function demoHost(options: Omit<Parameters<typeof startDemoHost>[0], "name" | "model">): Promise<DemoHost> {
  const host = await startDemoHost({ name: "h", model, ...options });
  hosts.push(host);
  return host;
}

async function server(handler: Parameters<typeof startTestServer>[0]): Promise<TestServer> {
  const s = await startTestServer(handler);
  servers.push(s);
  return s;
}

const okBody = (overrides: Record<string, unknown> = {}): string =>
  JSON.stringify({
    id: "cmpl-1",
    object: "text_completion",
    created: 1,
    model,
    choices: [{ text: "OK", index: 0, logprobs: null, finish_reason: "stop" }],
    ...overrides,
  });

describe("probeHost", () => {
  it("records ok samples against a healthy demo host, with prompts drawn from the corpus", async () => {
    const host = await demoHost({ ...demoHostPresets.healthy, seed: 5 });
    const prompts: string[] = [];
    const spy: FetchLike = (input, init) => {
      prompts.push((JSON.parse(String(init.body)) as { prompt: string }).prompt);
      return fetch(input, init);
    };
    const clock = { now: () => 1_767_225_600_000 };
    for (let i = 0; i < 10; i++) {
      const sample = await probeHost({
        url: host.url,
        model,
        timeoutMs: 2000,
        prober: "local-1",
        modelId: "7",
        fetch: spy,
        clock,
      });
      expect(probeSampleSchema.parse(sample)).toEqual(sample);
      expect(sample).toMatchObject({
        modelId: "7",
        host: host.url,
        prober: "local-1",
        startedAt: clock.now(),
        outcome: "ok",
        status: 200,
      });
      expect(sample.error).toBeUndefined();
      // Timers may fire up to 1 ms early; anything below the configured base would mean we measured the wrong thing.
      expect(sample.rttMs).toBeGreaterThan(demoHostPresets.healthy.latency.baseMs - 1.5);
    }
    // Drawn from the corpus (challenges carry a fresh code): not one fixed canary text.
    expect(new Set(prompts).size).toBeGreaterThan(1);
    expect(host.stats()).toMatchObject({ requests: 10, served: 10 });
  });

  it("records a timeout at the SLA timeout when the host is slower", async () => {
    const host = await demoHost({ latency: { baseMs: 2000 }, failureRate: 0 });
    const sample = await probeHost({ url: host.url, model, timeoutMs: 200, prober: "p", prompt: FREE });
    expect(sample.outcome).toBe("timeout");
    expect(sample.status).toBeUndefined();
    expect(sample.rttMs).toBeGreaterThanOrEqual(199);
    // Generous bound for a loaded CI box; on an idle machine it is ~1 ms.
    expect(sample.rttMs).toBeLessThan(200 + 150);
  });

  it("records a timeout when the host never answers, and when the body stalls half way", async () => {
    const silent = await demoHost({ latency: { baseMs: 0 }, failureRate: 1, failureMode: "timeout" });
    const stalled = await server((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"id":"cmpl-1","object":"text_');
      // ... and nothing more: the timeout must cover the body, not just the headers.
    });
    for (const url of [silent.url, stalled.url]) {
      const sample = await probeHost({ url, model, timeoutMs: 150, prober: "p", prompt: FREE });
      expect(sample.outcome).toBe("timeout");
      expect(sample.rttMs).toBeGreaterThanOrEqual(149);
      expect(sample.rttMs).toBeLessThan(150 + 150);
    }
  });

  it("gives up at the timeout even with a fetch that ignores its abort signal", async () => {
    const never: FetchLike = () => new Promise<Response>(() => undefined);
    const sample = await probeHost({ url: "http://127.0.0.1:9", model, timeoutMs: 50, prober: "p", fetch: never });
    expect(sample.outcome).toBe("timeout");
  });

  it("records http-error with the status and the host's message", async () => {
    const host = await demoHost({ latency: { baseMs: 0 }, failureRate: 1, failureMode: "http503" });
    const sample = await probeHost({ url: host.url, model, timeoutMs: 1000, prober: "p", prompt: FREE });
    expect(sample).toMatchObject({ outcome: "http-error", status: 503 });
    expect(sample.error).toContain("unavailable");
    const wrongModel = await probeHost({
      url: host.url,
      model: "other-model",
      timeoutMs: 1000,
      prober: "p",
      prompt: FREE,
    });
    expect(wrongModel).toMatchObject({ outcome: "http-error", status: 404 });
  });

  it("does not follow redirects: the listed endpoint is what is measured", async () => {
    const target = await server((_req, res) => res.end(okBody()));
    const redirecting = await server((_req, res) => {
      res.writeHead(302, { location: `${target.url}/v1/completions` });
      res.end();
    });
    const sample = await probeHost({ url: redirecting.url, model, timeoutMs: 1000, prober: "p", prompt: FREE });
    expect(sample).toMatchObject({ outcome: "http-error", status: 302 });
  });

  it("records bad-answer for a 200 with a malformed, non-JSON, wrong-model or oversized body", async () => {
    const bodies = [
      JSON.stringify({ choices: "nope" }),
      "<html>hello</html>",
      okBody({ choices: [] }),
      okBody({ object: "chat.completion" }),
      okBody({ model: "someone-else" }),
      okBody({ padding: "x".repeat(4096) }),
    ];
    // The probe appends /v1/completions to the base URL, so the body is picked by a path prefix.
    const routed = await server((req, res) => {
      const i = Number(req.url?.split("/")[1]);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(bodies[i]);
    });
    for (let i = 0; i < bodies.length; i++) {
      const sample = await probeHost({
        url: `${routed.url}/${i}`,
        model,
        timeoutMs: 1000,
        prober: "p",
        maxBodyBytes: 2048,
      });
      expect(sample, `body ${i}`).toMatchObject({ outcome: "bad-answer", status: 200 });
      expect(sample.error).toBeTruthy();
    }
    // A dated model variant is still the model asked for.
    const dated = await server((_req, res) => res.end(okBody({ model: `${model}-2026-01-01` })));
    expect((await probeHost({ url: dated.url, model, timeoutMs: 1000, prober: "p", prompt: FREE })).outcome).toBe("ok");
  });

  it("records network-error for a refused connection and a dropped one", async () => {
    const gone = await startTestServer(() => undefined);
    await gone.close();
    const refused = await probeHost({ url: gone.url, model, timeoutMs: 1000, prober: "p", prompt: FREE });
    expect(refused.outcome).toBe("network-error");
    expect(refused.error).toContain("ECONNREFUSED");
    const dropper = await demoHost({ latency: { baseMs: 0 }, failureRate: 1, failureMode: "drop" });
    expect(await probeHost({ url: dropper.url, model, timeoutMs: 1000, prober: "p", prompt: FREE })).toMatchObject({
      outcome: "network-error",
    });
  });

  it("throws ProbeConfigError for unusable options, before sending anything", async () => {
    const spy = vi.fn<FetchLike>();
    const base = { url: "http://127.0.0.1:1", model, timeoutMs: 1000, prober: "p", fetch: spy };
    for (const bad of [
      { url: "ftp://127.0.0.1/" },
      { url: "not a url" },
      { timeoutMs: 0 },
      { timeoutMs: Number.NaN },
      { model: "" },
      { prober: "" },
    ]) {
      await expect(probeHost({ ...base, ...bad }), JSON.stringify(bad)).rejects.toBeInstanceOf(ProbeConfigError);
    }
    expect(spy).not.toHaveBeenCalled();
  });
});
