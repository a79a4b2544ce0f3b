import { describe, expect, it } from "vitest";
import {
  InvalidStatusAnswerError,
  NoEvidenceYetError,
  StatusUnreachableError,
  UnknownEpochError,
  VerifyConfigError,
} from "./errors.ts";
import type { FetchLike } from "./StatusApiClient.ts";
import { verifyEpoch } from "./verifyEpoch.ts";

// verifyEpoch's refusals, each typed and one line, before anything is checked. The checks themselves are
// checkEvidence.test.ts's and checkSettlement.test.ts's; the whole path runs on the devnet in functions/src/e2e.

const STATUS = "http://user:hunter2@127.0.0.1:9/api";
const bundle = `0x${"ab".repeat(32)}`;
const epochBody = (extra: Record<string, unknown> = {}) => ({
  modelId: "2",
  epoch: "7",
  homeChainId: 31_338,
  verdict: { reportHash: `0x${"cd".repeat(32)}` },
  evidence: { bundle, rules: { quorum: 2, uptimeBucketSeconds: 1, receiptSigners: [] } },
  bond: null,
  settlement: [],
  ...extra,
});
const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

function answering(routes: Record<string, () => Response>): FetchLike {
  return async (url) => {
    const path = url.replace("http://user:hunter2@127.0.0.1:9/api", "");
    const route = routes[path];
    return route ? route() : json(404, { error: { name: "StatusNotFoundError", message: "No route.", kind: "route" } });
  };
}

const run = (fetch: FetchLike) =>
  verifyEpoch({
    modelId: 2n,
    epoch: 7n,
    statusUrl: STATUS,
    fetch,
    readVerdict: async () => {
      throw new Error("the chain is not read before the evidence is there");
    },
  });

describe("verifyEpoch's refusals", () => {
  it("an unreachable status API: retryable, the URL without its password", async () => {
    const error = await run(async () => {
      throw new TypeError("fetch failed");
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StatusUnreachableError);
    expect((error as StatusUnreachableError).retryable).toBe(true);
    expect((error as Error).message).not.toContain("hunter2");
    expect((error as StatusUnreachableError).shortMessage).toMatch(/^The status API at http:\/\/.*127\.0\.0\.1:9\/api/);
  });

  it("an unknown model or an epoch not started; an answer that is not the status API's", async () => {
    const notFound = (kind: string) =>
      answering({
        "/models/2/epochs/7": () =>
          json(404, { error: { name: "StatusNotFoundError", message: "Model 2 is not listed.", kind } }),
      });
    await expect(run(notFound("model"))).rejects.toThrow(UnknownEpochError);
    await expect(run(notFound("epoch"))).rejects.toThrow("No epoch 7 of model 2: Model 2 is not listed.");
    await expect(run(answering({ "/models/2/epochs/7": () => json(200, { hello: 1 }) }))).rejects.toThrow(
      InvalidStatusAnswerError,
    );
  });

  it("no verdict yet, no bundle yet, a bundle not served, no rules: typed, nothing read from the chain", async () => {
    const epoch = (extra: Record<string, unknown>) =>
      answering({ "/models/2/epochs/7": () => json(200, epochBody(extra)) });
    await expect(run(epoch({ verdict: null }))).rejects.toThrow("no verdict is recorded");
    await expect(run(epoch({ evidence: null }))).rejects.toThrow(NoEvidenceYetError);
    await expect(run(epoch({}))).rejects.toThrow("the status API does not serve its bundle");
    await expect(run(epoch({ evidence: { bundle } }))).rejects.toThrow(VerifyConfigError);
  });

  it("bytes that are not a bundle: checked without the chain, the hash and the decoding fail by name", async () => {
    const fetch = answering({
      "/models/2/epochs/7": () => json(200, epochBody()),
      [`/evidence/${bundle}`]: () => new Response("not json", { status: 200 }),
    });
    const result = await run(fetch);
    expect(result.ok).toBe(false);
    expect(result.checks.map((c) => `${c.status} ${c.check}`)).toEqual([
      "fail bundle hashes to its address",
      "fail bundle decodes",
    ]);
  });
});
