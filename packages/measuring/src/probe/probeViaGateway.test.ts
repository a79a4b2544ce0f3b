import { usageReceiptJson } from "@slabridge/core";
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../testing/startTestServer.ts";
import { isProbeSkip, type PaidFetchLike, probeViaGateway } from "./probeHost.ts";
import { runProbeRound } from "./runProbeRound.ts";

const model = "demo-7b";
const FREE = { prompt: "Tell me a short fun fact about octopuses.", maxTokens: 64, temperature: 0.7 };
const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A stand-in gateway answering every call with `status` and `body` (the paying side is faked by `pay`). */
async function gateway(status: number, body: unknown, headers: Record<string, string> = {}): Promise<string> {
  const server = await startTestServer((_req, res) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(typeof body === "string" ? body : JSON.stringify(body));
  });
  servers.push(server);
  return `${server.url}/models/demo-evm-a`;
}

const okBody = {
  id: "cmpl-1",
  object: "text_completion",
  created: 1,
  model,
  choices: [{ text: "OK", index: 0, logprobs: null, finish_reason: "stop" }],
  usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
};

/** A paying fetch that pays nothing (the stand-in does not ask) and says whether the call "deposited". */
const pay =
  (deposited: boolean): PaidFetchLike =>
  (input, init, seen) => {
    seen.deposited = deposited;
    seen.paidRequestSent();
    return fetch(input, init);
  };

const probe = (url: string, paying: PaidFetchLike, timeoutMs = 2_000) =>
  probeViaGateway({ url, model, timeoutMs, prober: "local-1", modelId: "7", prompt: FREE, pay: paying });

describe("probeViaGateway", () => {
  it("records a served call as ok, and skips one whose time included a deposit", async () => {
    const url = await gateway(200, okBody);
    expect(await probe(url, pay(false))).toMatchObject({ outcome: "ok", status: 200, modelId: "7" });
    const skipped = await probe(url, pay(true));
    expect(isProbeSkip(skipped) && skipped.reason).toMatch(/deposit/);
  });

  it("records the gateway's typed host failures as the host's outcome, a deposit or not", async () => {
    const cases = [
      [504, "host_timeout", "timeout"],
      [502, "host_unreachable", "network-error"],
      [502, "host_http_error", "http-error"],
      [502, "host_garbage", "bad-answer"],
    ] as const;
    for (const [status, code, outcome] of cases) {
      const url = await gateway(status, {
        error: code,
        message: "The model host failed the call; nothing was charged.",
      });
      expect(await probe(url, pay(true))).toMatchObject({ outcome, status });
    }
  });

  it("records nothing for a payment refusal, a gateway failure or the gateway's own refusal", async () => {
    const required = Buffer.from(JSON.stringify({ x402Version: 2, error: "insufficient_funds", accepts: [] })).toString(
      "base64",
    );
    const refused = await probe(await gateway(402, {}, { "payment-required": required }), pay(false));
    expect(refused).toMatchObject({ skipped: true, status: 402 });
    expect(isProbeSkip(refused) && refused.reason).toMatch(/insufficient_funds/);
    for (const [status, body] of [
      [500, { error: "internal_error", message: "The gateway failed unexpectedly." }],
      [503, "upstream overloaded"],
      [429, { error: "rate_limited", message: "over the rate limit" }],
    ] as const) {
      expect(await probe(await gateway(status, body), pay(false))).toMatchObject({ skipped: true, status });
    }
    // A payment client that throws (no funds to sign a deposit, a gateway that cannot be reached): nothing either.
    const failing: PaidFetchLike = async () => {
      throw new Error("Failed to create payment payload: insufficient balance");
    };
    expect(await probe(await gateway(200, okBody), failing)).toMatchObject({ skipped: true });
  });

  it("passes a host's own 4xx through as an http-error, as the direct probe records it", async () => {
    const url = await gateway(400, { error: { message: "bad request", type: "invalid_request_error" } });
    expect(await probe(url, pay(false))).toMatchObject({ outcome: "http-error", status: 400 });
  });

  it("times out as the host's timeout past the gateway's allowance, unless the call was still depositing", async () => {
    const server = await startTestServer(() => {
      // never answers
    });
    servers.push(server);
    const url = `${server.url}/models/demo-evm-a`;
    expect(await probe(url, pay(false), 200)).toMatchObject({ outcome: "timeout" });
    expect(await probe(url, pay(true), 200)).toMatchObject({ skipped: true });
  });

  it("in a round, a skipped gateway probe is reported, never handed to onSample nor counted as a sample", async () => {
    const served = await gateway(200, okBody);
    const refused = await gateway(402, {});
    const seen: string[] = [];
    const round = await runProbeRound({
      targets: [
        { modelId: "1", url: served, model, timeoutMs: 2_000, pay: pay(false) },
        { modelId: "2", url: refused, model, timeoutMs: 2_000, pay: pay(false) },
      ],
      prober: "local-1",
      concurrency: 2,
      drawPrompt: () => FREE,
      onSample: (sample) => {
        seen.push(sample.modelId ?? "?");
      },
    });
    expect(seen).toEqual(["1"]);
    expect(round.samples).toHaveLength(1);
    expect(round.skips).toMatchObject([{ index: 1, modelId: "2", status: 402 }]);
    expect(round.summary).toMatchObject({ total: 1, skipped: 1, okRatio: 1 });
  });

  it("times a paid call from its paid request: the 402 challenge and the signing before it are not the host's", async () => {
    const url = await gateway(200, okBody);
    const slowHandshake: PaidFetchLike = async (input, init, call) => {
      await new Promise((resolve) => setTimeout(resolve, 300)); // the unpaid request, its 402, the signing
      call.paidRequestSent();
      return fetch(input, init);
    };
    const result = await probe(url, slowHandshake);
    expect(result).toMatchObject({ outcome: "ok" });
    expect(isProbeSkip(result) ? Number.NaN : result.rttMs).toBeLessThan(250);
  });

  it("times a paid call by the host's part the gateway signed in its receipt, never longer than the prober saw", async () => {
    const slowGateway = async (latencyMs: number) => {
      const server = await startTestServer((_req, res) => {
        // The gateway's own work around the forward (voucher checks, channel writes): 250 ms not spent by the host.
        setTimeout(() => {
          res.writeHead(200, { "content-type": "application/json", "slabridge-receipt": receiptHeader(latencyMs) });
          res.end(JSON.stringify(okBody));
        }, 250);
      });
      servers.push(server);
      return `${server.url}/models/demo-evm-a`;
    };
    const timed = await probe(await slowGateway(42), pay(false));
    expect(timed).toMatchObject({ outcome: "ok", rttMs: 42 });
    // With a deposit the gateway's receipt still says what the host's part was: a sample, not a skip.
    expect(await probe(await slowGateway(42), pay(true))).toMatchObject({ outcome: "ok", rttMs: 42 });
    // A receipt claiming longer than the whole call is not believed: the prober's own time stands.
    const claimed = await probe(await slowGateway(60_000), pay(false));
    expect(isProbeSkip(claimed) ? Number.NaN : claimed.rttMs).toBeGreaterThanOrEqual(250);
    expect(isProbeSkip(claimed) ? Number.NaN : claimed.rttMs).toBeLessThan(60_000);
  });

  it("judges the host by its own time: a busy gateway past the SLA timeout is not the host's timeout", async () => {
    const gatewayWorking = async (ownMs: number, hostMs: number) => {
      const server = await startTestServer((_req, res) => {
        setTimeout(() => {
          res.writeHead(200, { "content-type": "application/json", "slabridge-receipt": receiptHeader(hostMs) });
          res.end(JSON.stringify(okBody));
        }, ownMs);
      });
      servers.push(server);
      return `${server.url}/models/demo-evm-a`;
    };
    // The gateway answered after 700 ms, over the 400 ms SLA timeout; the host's part was 90 ms: the host met it.
    expect(await probe(await gatewayWorking(700, 90), pay(false), 400)).toMatchObject({ outcome: "ok", rttMs: 90 });
    // The host's part by the receipt was 600 ms: over the SLA timeout, so a timeout, though the answer came.
    const slowHost = await probe(await gatewayWorking(700, 600), pay(false), 400);
    expect(slowHost).toMatchObject({ outcome: "timeout", rttMs: 600, status: 200 });
    // No receipt to tell the host's part: all the prober saw (over 400 ms) is the host's.
    const server = await startTestServer((_req, res) => {
      setTimeout(() => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(okBody)), 700);
    });
    servers.push(server);
    expect(await probe(`${server.url}/models/demo-evm-a`, pay(false), 400)).toMatchObject({ outcome: "timeout" });
  });
});

/** A usage receipt header as a slabridge gateway writes it (the probe reads the host's time; it checks no signature). */
function receiptHeader(latencyMs: number): string {
  const json = usageReceiptJson({
    chainId: 31337,
    receipt: {
      requestHash: `0x${"11".repeat(32)}`,
      model,
      modelId: 7n,
      epoch: 3n,
      channelId: `0x${"22".repeat(32)}`,
      payer: `0x${"33".repeat(32)}`,
      inputTokens: 5n,
      outputTokens: 1n,
      served: true,
      charge: 10n,
      cumulative: 10n,
      ttfbMs: Math.min(latencyMs, 30),
      latencyMs,
      startedAt: 1n,
      finishedAt: 2n,
    },
    signature: `0x${"44".repeat(65)}`,
  });
  return Buffer.from(JSON.stringify(json)).toString("base64");
}
