import { describe, expect, it } from "vitest";
import type { DeploymentManifest } from "./deploymentManifest.ts";
import { InvalidManifestError, parseDeploymentManifest } from "./parseDeploymentManifest.ts";

const address = (n: number): `0x${string}` => `0x${n.toString(16).padStart(40, "0")}`;
const anvil = (index: number) => ({ kind: "anvil-dev-account" as const, index, address: address(100 + index) });

function validManifest(): DeploymentManifest {
  const chain = (name: string, chainId: number, home: boolean) => ({
    name,
    chainId,
    rpcUrl: `http://127.0.0.1:${8000 + chainId - 31_337}`,
    confirmations: 1,
    layerZero: {
      eid: 40_000 + chainId - 31_337,
      endpointV2: address(1),
      sendUln302: address(2),
      receiveUln302: address(3),
    },
    wormhole: { chainId: 10_002 + 2 * (chainId - 31_337), core: address(4) },
    stablecoin: { address: address(5), decimals: 6, symbol: "dUSDC" },
    contracts: {
      ...(home
        ? { modelRegistry: address(6), slaOracle: address(7), revenueLedger: address(8) }
        : { escrow: address(9) }),
      layerZeroMessenger: address(10),
      wormholeMessenger: address(11),
    },
  });
  return {
    version: 1,
    network: "devnet",
    createdAt: new Date(0).toISOString(),
    homeChainId: 31_338,
    evm: [chain("evm-a", 31_337, false), chain("evm-b", 31_338, true)],
    guardian: { apiUrl: "http://127.0.0.1:7071", guardianSetIndex: 0 },
    dynamo: { endpoint: "http://127.0.0.1:4567", region: "us-east-1", tables: { jobs: "devnet-Jobs" } },
    hosts: [{ name: "healthy", url: "http://127.0.0.1:9001", preset: "healthy", modelId: "1" }],
    models: [
      {
        modelId: "1",
        homeChainId: 31_338,
        genesis: 1_700_000_000,
        epochSeconds: 10,
        hostName: "healthy",
        hostUrl: "http://127.0.0.1:9001",
        pricePerRequest: "10000",
      },
    ],
    keys: {
      deployer: anvil(0),
      layerZeroDvn: anvil(1),
      layerZeroExecutor: anvil(2),
      wormholeGuardian: { kind: "wormhole-sdk-devnet-guardian", address: address(12) },
      probers: [anvil(3), anvil(4), anvil(5)],
      proberThreshold: 2,
      demoBuyers: [anvil(6)],
    },
  };
}

describe("parseDeploymentManifest", () => {
  it("accepts a complete manifest and returns it typed", () => {
    const manifest = parseDeploymentManifest(JSON.parse(JSON.stringify(validManifest())));
    expect(manifest.homeChainId).toBe(31_338);
    expect(manifest.evm[1]?.contracts.modelRegistry).toBe(address(6));
  });

  it("names every bad field by its path", () => {
    const bad = validManifest() as unknown as { evm: Array<{ rpcUrl: string }>; keys: { proberThreshold: number } };
    (bad.evm[0] as { rpcUrl: string }).rpcUrl = "not a url";
    bad.keys.proberThreshold = 4;
    const error = (() => {
      try {
        parseDeploymentManifest(bad);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidManifestError);
    const issues = (error as InvalidManifestError).issues;
    expect(issues.some((issue) => issue.startsWith("evm.0.rpcUrl:"))).toBe(true);
    expect(issues).toContain("keys.proberThreshold: exceeds the number of probers");
  });

  it("requires the home chain's registry, oracle and ledger", () => {
    const manifest = validManifest();
    manifest.homeChainId = 31_337;
    expect(() => parseDeploymentManifest(manifest)).toThrow(
      /evm\.0\.contracts\.modelRegistry: the home chain needs it/,
    );
  });

  it("accepts netting vaults per chain, with a key for EVM accounts and none for the Solana vault", () => {
    const manifest = validManifest();
    manifest.keys.nettingVaults = [
      { chainId: 31_337, account: `0x${"00".repeat(12)}${address(20).slice(2)}`, key: anvil(11) },
      { chainId: 1_399_811_169, account: `0x${"ab".repeat(32)}` },
    ];
    const parsed = parseDeploymentManifest(JSON.parse(JSON.stringify(manifest)));
    expect(parsed.keys.nettingVaults?.map((vault) => vault.chainId)).toEqual([31_337, 1_399_811_169]);
    manifest.keys.nettingVaults = [{ chainId: 31_337, account: address(20) }];
    expect(() => parseDeploymentManifest(manifest)).toThrow(
      /keys\.nettingVaults\.0\.account: must be 0x-prefixed 32 bytes/,
    );
  });

  it("rejects a home chain that is not in the list", () => {
    const manifest = validManifest();
    manifest.homeChainId = 1;
    expect(() => parseDeploymentManifest(manifest)).toThrow(/homeChainId: names no chain/);
  });
});
