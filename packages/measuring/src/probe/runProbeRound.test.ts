import { type DemoHost, demoHostPresets, startDemoHost } from "@slabridge/devnet";
import { afterEach, describe, expect, it, vi } from "vitest";
import { startTestServer, type TestServer } from "../testing/startTestServer.ts";
import { ProbeConfigError } from "./ProbeConfigError.ts";
import type { FetchLike } from "./probeHost.ts";
import { type ProbeTarget, runProbeRound } from "./runProbeRound.ts";

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

const target = (url: string, modelId = "1", timeoutMs = 2000): ProbeTarget => ({ modelId, url, model, timeoutMs });

describe("runProbeRound", () => {
  it("sees a poorUptime host fail ~20% of 200 probes, deterministically from the seed", async () => {
    const counts: number[] = [];
    for (const run of [0, 1]) {
      const host = await demoHost({ ...demoHostPresets.poorUptime, seed: 11 });
      const { samples, summary } = await runProbeRound({
        targets: Array.from({ length: 200 }, () => target(host.url, "3")),
        prober: `local-${run}`,
        concurrency: 8,
      });
      const httpErrors = samples.filter((s) => s.outcome === "http-error");
      expect(httpErrors.every((s) => s.status === 503)).toBe(true);
      expect(summary.outcomes).toEqual({
        ok: 200 - httpErrors.length,
        "http-error": httpErrors.length,
        timeout: 0,
        "bad-answer": 0,
        "network-error": 0,
        unprobeable: 0,
      });
      // Every failure the host decided on is one the prober saw, and nothing else.
      expect(host.stats().failed).toBe(httpErrors.length);
      expect(summary.okRatio).toBeCloseTo(1 - httpErrors.length / 200, 10);
      counts.push(httpErrors.length);
    }
    // Each request makes the same three seeded draws whatever the arrival order, so the count is reproducible.
    expect(counts[0]).toBe(counts[1]);
    expect(Math.abs((counts[0] ?? 0) / 200 - 0.2)).toBeLessThan(0.06);
  });

  it("keeps samples in target order across healthy, failing and slow hosts", async () => {
    const healthy = await demoHost({ ...demoHostPresets.healthy });
    const down = await demoHost({ latency: { baseMs: 0 }, failureRate: 1 });
    const slow = await demoHost({ latency: { baseMs: 1000 }, failureRate: 0 });
    const { samples, summary } = await runProbeRound({
      targets: [target(healthy.url, "1"), target(down.url, "2"), target(slow.url, "3", 100), target(healthy.url, "4")],
      prober: "eu-west-1",
      concurrency: 4,
    });
    expect(samples.map((s) => [s.modelId, s.outcome])).toEqual([
      ["1", "ok"],
      ["2", "http-error"],
      ["3", "timeout"],
      ["4", "ok"],
    ]);
    expect(samples.every((s) => s.prober === "eu-west-1")).toBe(true);
    expect(summary).toMatchObject({ prober: "eu-west-1", total: 4, okRatio: 0.5 });
    // The slow probe bounds the round: it ends at its timeout, not at the host's 1 s.
    expect(summary.durationMs).toBeLessThan(900);
  });

  it("never has more than `concurrency` requests in flight at a real loopback server", async () => {
    let open = 0;
    let peak = 0;
    const server = await startTestServer((_req, res) => {
      open++;
      peak = Math.max(peak, open);
      setTimeout(() => {
        open--;
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            id: "c",
            object: "text_completion",
            created: 1,
            model,
            choices: [{ text: "OK", index: 0 }],
          }),
        );
      }, 20);
    });
    servers.push(server);
    const seen: number[] = [];
    const { samples, summary } = await runProbeRound({
      targets: Array.from({ length: 30 }, (_, i) => target(server.url, String(i))),
      prober: "p",
      drawPrompt: () => FREE,
      concurrency: 3,
      onSample: (_sample, index) => {
        seen.push(index);
      },
    });
    expect(samples.every((s) => s.outcome === "ok")).toBe(true);
    expect(peak).toBe(3);
    expect(summary.maxInFlight).toBe(3);
    expect([...seen].sort((a, b) => a - b)).toEqual(samples.map((_, i) => i));
  });

  it("never starts more than `concurrency` fetches, whatever the fetch does", async () => {
    let inFlight = 0;
    let peak = 0;
    const fakeFetch: FetchLike = async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
      inFlight--;
      return new Response(
        JSON.stringify({ id: "c", object: "text_completion", created: 1, model, choices: [{ text: "OK", index: 0 }] }),
      );
    };
    for (const concurrency of [1, 4, 50]) {
      peak = 0;
      const { summary } = await runProbeRound({
        targets: Array.from({ length: 40 }, () => target("http://127.0.0.1:1")),
        prober: "p",
        drawPrompt: () => FREE,
        concurrency,
        fetch: fakeFetch,
      });
      expect(peak).toBe(Math.min(concurrency, 40));
      expect(summary.maxInFlight).toBe(Math.min(concurrency, 40));
      expect(summary.outcomes.ok).toBe(40);
    }
  });

  it("rejects bad concurrency or a bad target before sending anything; an empty round is empty", async () => {
    const spy = vi.fn<FetchLike>();
    const good = target("http://127.0.0.1:1");
    for (const concurrency of [0, -1, 1.5, Number.NaN]) {
      await expect(
        runProbeRound({ targets: [good], prober: "p", drawPrompt: () => FREE, concurrency, fetch: spy }),
      ).rejects.toBeInstanceOf(ProbeConfigError);
    }
    await expect(
      runProbeRound({
        targets: [good, { ...good, timeoutMs: -1 }],
        prober: "p",
        drawPrompt: () => FREE,
        concurrency: 2,
        fetch: spy,
      }),
    ).rejects.toBeInstanceOf(ProbeConfigError);
    expect(spy).not.toHaveBeenCalled();
    const empty = await runProbeRound({ targets: [], prober: "p", drawPrompt: () => FREE, concurrency: 2, fetch: spy });
    expect(empty.samples).toEqual([]);
    expect(empty.summary).toMatchObject({ total: 0, okRatio: 1, maxInFlight: 0 });
  });

  it("at the round's deadline ends the probe in flight as a timeout and leaves targets not started out", async () => {
    const tarpit = await startTestServer(() => undefined);
    servers.push(tarpit);
    const host = await demoHost({ latency: { baseMs: 1 }, failureRate: 0 });
    const deadline = AbortSignal.timeout(300);
    const started = performance.now();
    const { samples, notStarted, summary } = await runProbeRound({
      targets: [target(host.url, "1"), target(tarpit.url, "2", 30_000), target(host.url, "3")],
      prober: "local-1",
      concurrency: 1,
      signal: deadline,
    });
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(samples.map((s) => [s.modelId, s.outcome])).toEqual([
      ["1", "ok"],
      ["2", "timeout"],
    ]);
    expect(samples[1]?.error).toMatch(/round deadline/);
    expect(notStarted).toEqual([2]);
    expect(summary.total).toBe(2);
  });
});
