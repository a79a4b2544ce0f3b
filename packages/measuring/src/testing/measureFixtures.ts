import {
  type DeploymentManifest,
  parseDeploymentManifest,
  parseStageConfig,
  SOLANA_CHAIN_ID,
  type StageConfig,
} from "@slabridge/core";

import { testProberKeys } from "./testProbers.ts";

const address = (n: number) => `0x${n.toString(16).padStart(40, "0")}` as const;

/** The demo SLA (packages/devnet demoSlaTerms), spelled out so these unit tests do not need the devnet. */
export const demoTerms = {
  maxP95LatencyMs: 500,
  minUptimeBps: 9_900,
  probeTimeoutMs: 2_000,
  latencyBreachRefundBps: 2_500,
  tiers: [
    { uptimeBelowBps: 9_900, refundBps: 1_000 },
    { uptimeBelowBps: 9_500, refundBps: 2_500 },
    { uptimeBelowBps: 7_500, refundBps: 10_000 },
  ],
} as const;

/**
 * A manifest shaped like the devnet's (payment chain 31337 with an escrow, home chain 31338, Solana), with models
 * 1..`models` on the home chain; addresses are placeholders and RPC URLs point at a closed loopback port.
 *
 * @example const manifest = measureManifest({ models: 2 });
 */
export function measureManifest(options: { models: number; proberKeys?: DeploymentManifest["keys"]["probers"] }) {
  const chain = (chainId: number, name: string, base: number, home: boolean) => ({
    family: "evm" as const,
    name,
    chainId,
    rpcUrl: "http://127.0.0.1:9",
    confirmations: 1,
    layerZero: {
      eid: chainId - 30_000,
      endpointV2: address(base),
      sendUln302: address(base + 1),
      receiveUln302: address(base + 2),
    },
    wormhole: { chainId: home ? 3 : 2, core: address(base + 3) },
    stablecoin: { address: address(base + 4), decimals: 6, symbol: "USDC" },
    contracts: home
      ? {
          modelRegistry: address(base + 5),
          slaOracle: address(base + 6),
          revenueLedger: address(base + 7),
          layerZeroMessenger: address(base + 8),
          wormholeMessenger: address(base + 9),
        }
      : { escrow: address(base + 5), layerZeroMessenger: address(base + 8), wormholeMessenger: address(base + 9) },
  });
  const anvil = (index: number) => ({ kind: "anvil-dev-account" as const, index, address: address(0x1000 + index) });
  return parseDeploymentManifest({
    version: 1,
    network: "devnet",
    createdAt: "2026-01-01T00:00:00.000Z",
    homeChainId: 31_338,
    chains: [
      chain(31_337, "evm-a", 0x100, false),
      chain(31_338, "evm-b", 0x200, true),
      {
        family: "solana" as const,
        name: "solana",
        chainId: SOLANA_CHAIN_ID,
        rpcUrl: "http://127.0.0.1:9",
        wsUrl: "ws://127.0.0.1:10",
        mint: "So11111111111111111111111111111111111111112",
        decimals: 6,
        vault: "So11111111111111111111111111111111111111112",
        multisig: "So11111111111111111111111111111111111111112",
        threshold: 1,
        operators: [anvil(20)],
        wormholeEmitter: `0x${"11".repeat(32)}`,
      },
    ],
    guardian: { apiUrl: "http://127.0.0.1:9", guardianSetIndex: 0 },
    dynamo: { endpoint: "http://127.0.0.1:9", region: "us-east-1", tables: {} },
    hosts: [],
    models: Array.from({ length: options.models }, (_, i) => ({
      modelId: String(i + 1),
      homeChainId: 31_338,
      genesis: 1_000,
      epochSeconds: 10,
      hostName: `host-${i + 1}`,
      hostUrl: "http://127.0.0.1:9",
      pricePerRequest: "10000",
    })),
    keys: {
      deployer: anvil(0),
      layerZeroDvn: anvil(1),
      layerZeroExecutor: anvil(2),
      wormholeGuardian: anvil(3),
      // Anvil's dev accounts 4-6 with their real addresses: the keys of testProberKeys sign as them.
      probers:
        options.proberKeys ??
        testProberKeys().map((key, i) => ({ kind: "anvil-dev-account" as const, index: 4 + i, address: key.address })),
      proberThreshold: 2,
      demoBuyers: [],
    },
  });
}

/**
 * A stage config for {@link measureManifest}: Verdict routes home -> 31337 (LayerZero) and, unless left out,
 * home -> Solana (Wormhole); probing from vantage points a, b, c with quorum 2, 1 s buckets, 2 s grace.
 *
 * @example const config = measureConfig({ solanaRoute: false });
 */
export function measureConfig(options: { solanaRoute?: boolean; lookbackEpochs?: number } = {}): StageConfig {
  return parseStageConfig({
    stage: "unit",
    chains: [
      { chainId: 31_337, name: "evm-a", family: "evm", rpcUrl: { manifest: true }, confirmations: 1 },
      { chainId: 31_338, name: "evm-b", family: "evm", rpcUrl: { manifest: true }, confirmations: 1 },
      { chainId: SOLANA_CHAIN_ID, name: "solana", family: "solana", rpcUrl: { manifest: true }, confirmations: 0 },
    ],
    routes: [
      { source: 31_338, destination: 31_337, kind: "Verdict", transport: "layerzero" },
      ...(options.solanaRoute === false
        ? []
        : [{ source: 31_338, destination: SOLANA_CHAIN_ID, kind: "Verdict" as const, transport: "wormhole" as const }]),
    ],
    batching: {},
    retry: { tiersMs: [10], maxAttempts: 3, jitter: 0 },
    watch: { pollIntervalSeconds: 1 },
    probing: {
      periodSeconds: 1,
      uptimeBucketSeconds: 1,
      quorum: 2,
      vantagePoints: ["a", "b", "c"].map((name) => ({ name, region: "us-east-1", functionName: `prober-${name}` })),
      concurrency: 4,
      servedModel: "demo-model-{modelId}",
      evaluationGraceSeconds: 2,
      lookbackEpochs: options.lookbackEpochs ?? 3,
    },
  });
}
