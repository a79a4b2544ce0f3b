import type { SlaReport } from "@slabridge/core";
import { evmChainsOf } from "@slabridge/evm";
import { UnsupportedSignerError } from "@slabridge/measuring";
import { measureConfig, measureManifest } from "@slabridge/measuring/testing";
import { MemoryNonceStore, MemorySampleStore } from "@slabridge/store";
import { describe, expect, it } from "vitest";
import { buildMeasureWorld } from "./buildMeasureWorld.ts";

describe("buildMeasureWorld", () => {
  it("refuses to sign with a KMS prober key, with a typed error and without sending anything", async () => {
    const manifest = measureManifest({
      models: 1,
      proberKeys: [
        { kind: "kms", keyId: "alias/prober-0", publicKey: "0x04" },
        { kind: "anvil-dev-account", index: 5, address: "0x0000000000000000000000000000000000001005" },
      ],
    });
    const built = buildMeasureWorld({
      manifest,
      config: measureConfig(),
      stores: { samples: new MemorySampleStore(), nonces: new MemoryNonceStore() },
      rpcUrls: new Map(evmChainsOf(manifest).map((chain) => [chain.chainId, chain.rpcUrl])),
      lambdaEndpoint: "http://127.0.0.1:9",
    });
    const report: SlaReport = {
      modelId: 1n,
      epoch: 5n,
      p50Ms: 1,
      p95Ms: 1,
      p99Ms: 1,
      uptimeBps: 10_000,
      sampleCount: 1,
      samplesRoot: `0x${"00".repeat(32)}`,
      refundBps: 0,
    };
    const error = await built.home.submitReport(report).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedSignerError);
    expect((error as UnsupportedSignerError).retryable).toBe(false);
    expect((error as Error).message).toMatch(/"kms" keys are not supported/);
    expect((error as Error).message).not.toContain("alias/prober-0");
  });
});
