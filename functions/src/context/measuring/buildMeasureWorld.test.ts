import type { SlaReport } from "@slabridge/core";
import { evmChainsOf, SlaSigningError } from "@slabridge/evm";
import { MemoryBlobStore, UnsupportedSignerError } from "@slabridge/measuring";
import { measureConfig, measureManifest, TEST_PROBER_PRIVATE_KEYS, testProberKeys } from "@slabridge/measuring/testing";
import { MemoryNonceStore, MemorySampleStore } from "@slabridge/store";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { buildMeasureWorld } from "./buildMeasureWorld.ts";
import { buildProberWorld } from "./buildProberWorld.ts";

const report: SlaReport = {
  modelId: 1n,
  epoch: 5n,
  p50Ms: 1,
  p95Ms: 1,
  p99Ms: 1,
  uptimeBps: 10_000,
  sampleCount: 1,
  samplesRoot: `0x${"00".repeat(32)}`,
  receiptCount: 0,
  receiptsRoot: `0x${"00".repeat(32)}`,
  refundBps: 0,
};

describe("buildMeasureWorld", () => {
  it("holds no prober key: a report without the probers' co-signatures is refused before anything is sent", async () => {
    const manifest = measureManifest({ models: 1 });
    const built = buildMeasureWorld({
      manifest,
      config: measureConfig(),
      stores: { samples: new MemorySampleStore(), nonces: new MemoryNonceStore() },
      blobs: new MemoryBlobStore(),
      rpcUrls: new Map(evmChainsOf(manifest).map((chain) => [chain.chainId, chain.rpcUrl])),
      lambdaEndpoint: "http://127.0.0.1:9",
    });
    await expect(built.home.submitReport(report)).rejects.toThrow(SlaSigningError);
    expect([...built.registry.probers.values()]).toEqual(testProberKeys().map((k) => k.address));
  });
});

describe("buildProberWorld", () => {
  const options = (manifest: ReturnType<typeof measureManifest>, vantage: string) => ({
    manifest,
    config: measureConfig(),
    vantage,
    samples: new MemorySampleStore(),
    blobs: new MemoryBlobStore(),
    homeRpcUrl: "http://127.0.0.1:9",
  });

  it("gives each vantage point its own devnet key, the one the manifest registers for it", () => {
    const manifest = measureManifest({ models: 1 });
    const keys = ["a", "b", "c"].map((v) => buildProberWorld(options(manifest, v)).key.address);
    expect(keys).toEqual(testProberKeys().map((k) => k.address));
  });

  it("starts with a KMS prober key and refuses to sign with a typed error that carries no key material", async () => {
    const publicKey = privateKeyToAccount(TEST_PROBER_PRIVATE_KEYS[0]).publicKey;
    const [, b, c] = measureManifest({ models: 1 }).keys.probers;
    if (!b || !c) throw new Error("three prober keys expected");
    const manifest = measureManifest({
      models: 1,
      proberKeys: [{ kind: "kms", keyId: "alias/prober-0", publicKey }, b, c],
    });
    const world = buildProberWorld(options(manifest, "a"));
    expect(world.key.address).toBe(testProberKeys()[0]?.address);
    const error = await world.key.signDigest(`0x${"11".repeat(32)}`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedSignerError);
    expect((error as UnsupportedSignerError).retryable).toBe(false);
    expect((error as Error).message).not.toContain("alias/prober-0");
  });
});
