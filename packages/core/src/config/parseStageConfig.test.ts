import { describe, expect, it } from "vitest";
import { SOLANA_CHAIN_ID } from "../codec/constants.ts";
import { InvalidStageConfigError, parseStageConfig } from "./parseStageConfig.ts";
import { findRoute, type StageConfigInput } from "./stageConfig.ts";

const devnet = (): StageConfigInput => ({
  stage: "devnet",
  chains: [
    { chainId: 31_337, name: "evm-a", family: "evm", rpcUrl: { url: "http://127.0.0.1:8545" }, confirmations: 1 },
    { chainId: 31_338, name: "evm-b", family: "evm", rpcUrl: { secret: "RpcUrlEvmB" }, confirmations: 1 },
    {
      chainId: SOLANA_CHAIN_ID,
      name: "solana",
      family: "solana",
      rpcUrl: { url: "http://127.0.0.1:8899" },
      confirmations: 0,
    },
  ],
  routes: [
    { source: 31_337, destination: 31_338, kind: "ReceiptBatch", transport: "layerzero", fallback: "wormhole" },
    { source: SOLANA_CHAIN_ID, destination: 31_338, kind: "ReceiptBatch", transport: "wormhole" },
    { source: 31_338, destination: 31_337, kind: "Verdict", transport: "layerzero" },
  ],
  batching: {},
  retry: { tiersMs: [1_000, 5_000], maxAttempts: 5, jitter: 0.2 },
  watch: { pollIntervalSeconds: 2 },
});

function issuesOf(input: unknown): readonly string[] {
  try {
    parseStageConfig(input);
  } catch (error) {
    if (error instanceof InvalidStageConfigError) return error.issues;
    throw error;
  }
  return [];
}

describe("parseStageConfig", () => {
  it("accepts a devnet config and applies defaults", () => {
    const config = parseStageConfig(devnet());
    expect(config.batching.maxPaymentsPerReceiptBatch).toBe(100);
    expect(config.chains[0]?.maxBlockRange).toBe(2_000);
    expect(findRoute(config, { source: 31_337, destination: 31_338, kind: "ReceiptBatch" })?.transport).toBe(
      "layerzero",
    );
    expect(findRoute(config, { source: 31_337, destination: 31_338, kind: "Payout" })).toBeUndefined();
  });

  it("accepts a same-chain route over Wormhole only", () => {
    const config = devnet();
    config.routes.push({ source: 31_338, destination: 31_338, kind: "Verdict", transport: "wormhole" });
    expect(
      findRoute(parseStageConfig(config), { source: 31_338, destination: 31_338, kind: "Verdict" })?.transport,
    ).toBe("wormhole");
    config.routes.push({ source: 31_338, destination: 31_338, kind: "Payout", transport: "layerzero" });
    config.routes.push({
      source: 31_338,
      destination: 31_338,
      kind: "ReceiptBatch",
      transport: "wormhole",
      fallback: "layerzero",
    });
    const issues = issuesOf(config);
    const message = "a same-chain route must use wormhole alone (LayerZero cannot send to its own endpoint)";
    expect(issues).toContain(`routes.4.transport: ${message}`);
    expect(issues).toContain(`routes.5.transport: ${message}`);
  });

  it("names the bad field of each mistake", () => {
    const config = devnet();
    config.routes.push({ source: 31_337, destination: 5, kind: "Verdict", transport: "wormhole" });
    config.routes.push({ source: 31_337, destination: 31_338, kind: "ReceiptBatch", transport: "wormhole" });
    (config.chains[1] as { rpcUrl: unknown }).rpcUrl = { secret: "rpc url with spaces" };
    (config.routes[0] as { fallback?: string }).fallback = "layerzero";
    const issues = issuesOf(config);
    expect(issues).toContain("routes.3.destination: chain 5 is not in chains");
    expect(issues).toContain("routes.4: duplicate route 31337>31338:ReceiptBatch");
    expect(issues).toContain("routes.0.fallback: equals the primary transport");
    expect(issues.some((issue) => issue.startsWith("chains.1.rpcUrl"))).toBe(true);
  });

  it("rejects an unknown message kind and transport", () => {
    const config = devnet() as { routes: Array<Record<string, unknown>> };
    (config.routes[0] as Record<string, unknown>).kind = "Bribe";
    (config.routes[1] as Record<string, unknown>).transport = "carrier-pigeon";
    const issues = issuesOf(config);
    expect(issues.some((issue) => issue.startsWith("routes.0.kind"))).toBe(true);
    expect(issues.some((issue) => issue.startsWith("routes.1.transport"))).toBe(true);
  });
});

describe("parseStageConfig: probing", () => {
  const probing = {
    periodSeconds: 1,
    uptimeBucketSeconds: 1,
    quorum: 2,
    vantagePoints: ["local-1", "local-2", "local-3"].map((name) => ({
      name,
      region: "us-east-1",
      functionName: `prober-${name}`,
    })),
    concurrency: 8,
    servedModel: "demo-model-{modelId}",
    evaluationGraceSeconds: 3,
    lookbackEpochs: 10,
  };

  it("is optional, and accepted when whole", () => {
    expect(parseStageConfig(devnet()).probing).toBeUndefined();
    expect(parseStageConfig({ ...devnet(), probing }).probing).toEqual(probing);
  });

  it("refuses duplicate vantage points, a quorum above them, a period longer than a bucket, a '#' in a name", () => {
    const vantagePoints = probing.vantagePoints;
    const cases: [unknown, string][] = [
      [{ ...probing, vantagePoints: [vantagePoints[0], vantagePoints[0]] }, "probing.vantagePoints"],
      [{ ...probing, quorum: 4 }, "probing.quorum"],
      [{ ...probing, periodSeconds: 2 }, "probing.periodSeconds"],
      [{ ...probing, vantagePoints: [{ ...vantagePoints[0], name: "eu#1" }] }, "probing.vantagePoints.0.name"],
      [{ ...probing, vantagePoints: [{ ...vantagePoints[0], region: "nowhere" }] }, "probing.vantagePoints.0.region"],
      [{ ...probing, concurrency: 0 }, "probing.concurrency"],
    ];
    for (const [bad, path] of cases) {
      expect(
        issuesOf({ ...devnet(), probing: bad }).some((issue) => issue.startsWith(path)),
        path,
      ).toBe(true);
    }
  });
});
