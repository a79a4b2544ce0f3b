import { describe, expect, it } from "vitest";
import { SOLANA_CHAIN_ID } from "../codec/constants.ts";
import { InvalidStageConfigError, parseStageConfig } from "./parseStageConfig.ts";
import { findRoute, type ProtocolNames, type StageConfigInput } from "./stageConfig.ts";

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

describe("parseStageConfig: RPC URLs and protocol names", () => {
  it("refuses an inline RPC URL that is not loopback (provider URLs carry API keys: SST secrets only)", () => {
    for (const url of ["http://localhost:8545", "http://[::1]:8545", "http://127.0.0.2:8899"]) {
      const config = devnet();
      (config.chains[0] as { rpcUrl: unknown }).rpcUrl = { url };
      expect(issuesOf(config), url).toEqual([]);
    }
    const config = devnet();
    (config.chains[0] as { rpcUrl: unknown }).rpcUrl = { url: "https://ethereum-sepolia-rpc.publicnode.com" };
    expect(() => parseStageConfig(config)).toThrow(InvalidStageConfigError);
    expect(issuesOf(config)).toEqual([
      "chains.0.rpcUrl.url: only a loopback URL may be inline: name an SST secret instead ({ secret: ... })",
    ]);
  });

  it("looks protocol names up on the stage's network only, and on a network needs one for each route end", () => {
    const withProtocols = (config: StageConfigInput, index: number, protocols: ProtocolNames): StageConfigInput => ({
      ...config,
      chains: config.chains.map((chain, i) => (i === index ? { ...chain, protocols } : chain)),
    });
    const named = withProtocols(devnet(), 0, { layerZero: "SEPOLIA_V2_TESTNET", wormhole: "Sepolia" });
    expect(issuesOf(named)).toEqual(["chains.0.protocols: protocol names need the stage's network to be looked up in"]);

    // The parser checks names' form only: the adapters look them up in the address books.
    const allNamed = [0, 1, 2].reduce(
      (config, i) => withProtocols(config, i, { layerZero: `SOME${i}_V2_TESTNET`, wormhole: `Some${i}` }),
      { ...devnet(), network: "testnet" } as StageConfigInput,
    );
    expect(parseStageConfig(allNamed).network).toBe("testnet");
    // evm-b has no Wormhole name: the fallback of route 0 and route 1 (Solana to evm-b) cannot be looked up.
    const onNetwork = withProtocols(allNamed, 1, { layerZero: "OTHER_V2_TESTNET" });
    expect(issuesOf(onNetwork)).toEqual([
      "routes.0.destination: chain 31338 has no protocols.wormhole name",
      "routes.1.destination: chain 31338 has no protocols.wormhole name",
    ]);
    expect(issuesOf({ ...onNetwork, network: "devnet" }).some((issue) => issue.startsWith("network"))).toBe(true);
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

  describe("gateway", () => {
    const model = {
      modelId: "2",
      chainId: 31_337,
      model: "llama-demo",
      hostUrl: "http://127.0.0.1:8001",
      receiver: `0x${"ab".repeat(20)}`,
      asset: { name: "Devnet USD Coin", version: "2" },
      price: { perInputToken: "3", perOutputToken: "7", ceiling: "5000" },
      rateLimit: { burst: 20, perSecond: 5 },
    };
    const facilitatorKey = { kind: "anvil-dev-account", index: 9, address: `0x${"cd".repeat(20)}` };

    it("is optional, and accepted when whole", () => {
      expect(parseStageConfig(devnet()).gateway).toBeUndefined();
      const config = parseStageConfig({ ...devnet(), gateway: { models: { llama: model }, facilitatorKey } });
      expect(config.gateway?.models.llama).toEqual(model);
    });

    it("names each bad field: a model on a chain not listed or not EVM, a bad key, price, receiver or rate", () => {
      const issues = issuesOf({
        ...devnet(),
        gateway: {
          facilitatorKey,
          models: {
            "Not A Key": model,
            solana: { ...model, chainId: SOLANA_CHAIN_ID },
            missing: { ...model, chainId: 5 },
            broken: {
              ...model,
              receiver: "0x12",
              price: { ...model.price, ceiling: "0", perInputToken: "-1" },
              rateLimit: { burst: 0, perSecond: 1 },
            },
          },
        },
      });
      expect(issues).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^gateway\.models\.Not A Key: /),
          expect.stringMatching(/^gateway\.models\.broken\.receiver: /),
          expect.stringMatching(/^gateway\.models\.broken\.price\.ceiling: must be positive/),
          expect.stringMatching(/^gateway\.models\.broken\.price\.perInputToken: /),
          expect.stringMatching(/^gateway\.models\.broken\.rateLimit\.burst: /),
        ]),
      );
      const chains = issuesOf({
        ...devnet(),
        gateway: {
          facilitatorKey,
          models: { solana: { ...model, chainId: SOLANA_CHAIN_ID }, missing: { ...model, chainId: 5 } },
        },
      });
      expect(chains).toEqual([
        `gateway.models.solana.chainId: chain ${SOLANA_CHAIN_ID} is not an EVM chain of chains`,
        "gateway.models.missing.chainId: chain 5 is not an EVM chain of chains",
      ]);
    });

    it("takes a model sold on a Solana cluster (a solana: network, no receiver), only on a Solana cluster", () => {
      const { receiver: _receiver, asset: _asset, ...common } = model;
      const onSolana = { ...common, chainId: SOLANA_CHAIN_ID, network: "solana:slabridge-devnet" };
      const config = parseStageConfig({ ...devnet(), gateway: { models: { sol: onSolana }, facilitatorKey } });
      expect(config.gateway?.models.sol).toEqual(onSolana);
      expect(
        issuesOf({ ...devnet(), gateway: { facilitatorKey, models: { sol: { ...onSolana, chainId: 31_337 } } } }),
      ).toEqual(["gateway.models.sol.chainId: chain 31337 is not a Solana cluster of chains"]);
      expect(
        issuesOf({ ...devnet(), gateway: { facilitatorKey, models: { sol: { ...onSolana, network: "eip155:1" } } } })
          .length,
      ).toBeGreaterThan(0);
    });
  });
});
