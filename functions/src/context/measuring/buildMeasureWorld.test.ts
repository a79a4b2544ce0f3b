import { CreateKeyCommand, GetPublicKeyCommand } from "@aws-sdk/client-kms";
import type { SlaReport } from "@slabridge/core";
import { manifestRpcUrlOf } from "@slabridge/core";
import { startLocalKms } from "@slabridge/devnet";
import { evmChainsOf, SlaSigningError } from "@slabridge/evm";
import { MeasureConfigError, MemoryBlobStore, UnsupportedSignerError } from "@slabridge/measuring";
import { measureConfig, measureManifest, TEST_PROBER_PRIVATE_KEYS, testProberKeys } from "@slabridge/measuring/testing";
import { MemoryNonceStore, MemorySampleStore } from "@slabridge/store";
import { bytesToHex, recoverAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { createKmsClient } from "../createKmsClient.ts";
import { buildMeasureWorld } from "./buildMeasureWorld.ts";
import { gatewayProbeRoutes } from "./buildProbePayer.ts";
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
      rpcUrls: new Map(evmChainsOf(manifest).map((chain) => [chain.chainId, manifestRpcUrlOf(chain)])),
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

  it("signs with a KMS prober key when given a KMS client: the signature recovers to the key's address", async () => {
    const kms = await startLocalKms();
    const client = createKmsClient({ region: "us-east-1", endpoint: kms.endpoint });
    try {
      const created = await client.send(new CreateKeyCommand({ KeySpec: "ECC_SECG_P256K1", KeyUsage: "SIGN_VERIFY" }));
      const spki = (await client.send(new GetPublicKeyCommand({ KeyId: created.KeyMetadata?.KeyId }))).PublicKey;
      // The SPKI's last 65 bytes are the uncompressed point.
      const publicKey = bytesToHex((spki as Uint8Array).subarray(-65));
      const [, b, c] = measureManifest({ models: 1 }).keys.probers;
      if (!b || !c) throw new Error("three prober keys expected");
      const keyId = created.KeyMetadata?.KeyId as string;
      const manifest = measureManifest({ models: 1, proberKeys: [{ kind: "kms", keyId, publicKey }, b, c] });
      const world = buildProberWorld({ ...options(manifest, "a"), kms: client });
      const hash = `0x${"11".repeat(32)}` as const;
      const signature = await world.key.signDigest(hash);
      expect((await recoverAddress({ hash, signature })).toLowerCase()).toBe(world.key.address);
    } finally {
      client.destroy();
      await kms.stop();
    }
  });
});

describe("probing gateway-sold models", () => {
  const evmModel = (modelId: string, chainId: number) => ({
    modelId,
    chainId,
    model: `demo-model-${modelId}`,
    hostUrl: "http://127.0.0.1:9",
    receiver: `0x${"11".repeat(20)}`,
    asset: { name: "USD Coin", version: "2" },
    price: { perInputToken: "1", perOutputToken: "1", ceiling: "10" },
    rateLimit: { burst: 1, perSecond: 1 },
  });
  const gateway = {
    url: "http://127.0.0.1:4021/",
    models: { "m1-a": evmModel("1", 31_337), "m1-b": evmModel("1", 31_338), "m2-a": evmModel("2", 31_337) },
    facilitatorKey: { kind: "anvil-dev-account" as const, index: 1, address: `0x${"22".repeat(20)}` as const },
    receiptSigners: [],
  };

  it("routes each model to its gateway URL, paid on the home chain when it is sold there", () => {
    const routes = gatewayProbeRoutes(gateway, 31_338);
    expect(routes?.routeOf(1n, 0n, 0)).toEqual({ url: "http://127.0.0.1:4021/models/m1-b", chainId: 31_338 });
    expect(routes?.routeOf(2n, 0n, 0)).toEqual({ url: "http://127.0.0.1:4021/models/m2-a", chainId: 31_337 });
    expect(routes?.routeOf(3n, 0n, 0)).toBeUndefined();
    expect(gatewayProbeRoutes({ ...gateway, url: undefined }, 31_338)).toBeUndefined();
  });

  it("refuses, typed, a prober with no payer key when the gateway is probed", () => {
    const manifest = measureManifest({ models: 1 });
    const build = () =>
      buildProberWorld({
        manifest,
        config: { ...measureConfig(), gateway },
        vantage: "a",
        samples: new MemorySampleStore(),
        blobs: new MemoryBlobStore(),
        homeRpcUrl: "http://127.0.0.1:9",
      });
    expect(build).toThrow(MeasureConfigError);
    expect(build).toThrow(/vantage point a has no prober payer key/);
  });
});
