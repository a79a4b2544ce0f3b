import type { IncomingHttpHeaders } from "node:http";
import { startDemoHost } from "@slabridge/devnet";
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../testing/startTestServer.ts";
import { probeHost } from "./probeHost.ts";
import { drawProbePrompt } from "./promptCorpus.ts";
import { runProbeRound } from "./runProbeRound.ts";

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A host that answers every request with the same canned completion in ~0 ms and records what it was sent. */
async function cannedHost(seen: { headers: IncomingHttpHeaders; body: string }[]): Promise<TestServer> {
  const server = await startTestServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      seen.push({ headers: req.headers, body });
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          id: "cmpl-1",
          object: "text_completion",
          created: 1,
          model: "demo",
          choices: [{ text: "OK", index: 0, finish_reason: "stop" }],
        }),
      );
    });
  });
  servers.push(server);
  return server;
}

describe("probes look like paid traffic and check the answer", () => {
  it("sends buyer-like prompts from a varied corpus with an OpenAI client's headers: no canary text, no cache-control", async () => {
    const seen: { headers: IncomingHttpHeaders; body: string }[] = [];
    const host = await cannedHost(seen);
    for (let i = 0; i < 24; i++) {
      await probeHost({ url: host.url, model: "demo", timeoutMs: 2_000, prober: "local-1" });
    }
    const prompts = seen.map((s) => (JSON.parse(s.body) as { prompt: string }).prompt);
    expect(prompts.some((p) => /slabridge|canary/i.test(p))).toBe(false);
    expect(new Set(prompts).size).toBeGreaterThanOrEqual(8);
    expect(new Set(seen.map((s) => (JSON.parse(s.body) as { max_tokens: number }).max_tokens)).size).toBeGreaterThan(2);
    for (const { headers } of seen) {
      expect(headers["cache-control"]).toBeUndefined();
      expect(headers["user-agent"]).toMatch(/^OpenAI\/JS /);
      expect(headers["x-stainless-lang"]).toBe("js");
    }
  });

  it("a canned reply that ignores the prompt fails a challenge; a host that really answers passes it", async () => {
    const challenge = drawProbePrompt((max) => (max === 3 ? 0 : 1));
    expect(challenge.expect).toMatch(/^[A-Z0-9]{3}-[A-Z0-9]{4}-[A-Z0-9]{3}$/);
    const canned = await cannedHost([]);
    const stub = await probeHost({ url: canned.url, model: "demo", timeoutMs: 2_000, prober: "p", prompt: challenge });
    expect(stub).toMatchObject({ outcome: "bad-answer", status: 200 });
    expect(stub.error).toMatch(/challenge/);

    // The demo model echoes its prompt, so it answers an echo challenge right.
    const demo = await startDemoHost({ name: "h", model: "demo", latency: { baseMs: 1 }, failureRate: 0 });
    try {
      const real = await probeHost({ url: demo.url, model: "demo", timeoutMs: 2_000, prober: "p", prompt: challenge });
      expect(real.outcome).toBe("ok");
    } finally {
      await demo.close();
    }
  });

  it("spreads the probes of a round over a random start delay instead of firing on the tick", async () => {
    const seen: { headers: IncomingHttpHeaders; body: string }[] = [];
    const host = await cannedHost(seen);
    const t0 = Date.now();
    const { samples } = await runProbeRound({
      targets: [1, 2, 3].map((i) => ({ modelId: String(i), url: host.url, model: "demo", timeoutMs: 2_000 })),
      prober: "p",
      concurrency: 3,
      startJitterMs: 400,
      random: () => 0.75,
    });
    expect(Math.min(...samples.map((s) => s.startedAt)) - t0).toBeGreaterThanOrEqual(290);
  });
});
