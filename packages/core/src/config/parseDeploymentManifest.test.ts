import { describe, expect, it } from "vitest";
import type { DeploymentManifest, SolanaChainManifest } from "./deploymentManifest.ts";
import { homeChainOf } from "./homeChainOf.ts";
import { ManifestUrlMissingError, manifestRpcUrlOf, manifestWsUrlOf } from "./manifestRpcUrlOf.ts";
import { InvalidManifestError, parseDeploymentManifest } from "./parseDeploymentManifest.ts";

const address = (n: number): `0x${string}` => `0x${n.toString(16).padStart(40, "0")}`;
const anvil = (index: number) => ({ kind: "anvil-dev-account" as const, index, address: address(100 + index) });

const base58 = (fill: string) => fill.repeat(32);

function solana(): SolanaChainManifest {
  return {
    family: "solana",
    name: "solana",
    chainId: 1_399_811_169,
    rpcUrl: "http://127.0.0.1:8899",
    wsUrl: "ws://127.0.0.1:8900",
    mint: base58("M"),
    decimals: 6,
    vault: base58("V"),
    multisig: base58("S"),
    threshold: 2,
    operators: [
      { kind: "devnet-key-file", path: "/tmp/op-0.json", publicKey: base58("A") },
      { kind: "devnet-key-file", path: "/tmp/op-1.json", publicKey: base58("B") },
    ],
    wormholeEmitter: `0x${"ab".repeat(32)}`,
  };
}

function validManifest(): DeploymentManifest {
  const chain = (name: string, chainId: number, home: boolean) => ({
    family: "evm" as const,
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
    chains: [chain("evm-a", 31_337, false), chain("evm-b", 31_338, true), solana()],
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
    expect(manifest.chains.map((chain) => `${chain.family}:${chain.name}`)).toEqual([
      "evm:evm-a",
      "evm:evm-b",
      "solana:solana",
    ]);
    expect(homeChainOf(manifest).contracts.modelRegistry).toBe(address(6));
  });

  it("names every bad field by its path", () => {
    const bad = validManifest();
    const [first] = bad.chains;
    if (first) first.rpcUrl = "not a url";
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
    expect(issues.some((issue) => issue.startsWith("chains.0.rpcUrl:"))).toBe(true);
    expect(issues).toContain("keys.proberThreshold: exceeds the number of probers");
  });

  it("requires the home chain's registry, oracle and ledger", () => {
    const manifest = validManifest();
    manifest.homeChainId = 31_337;
    expect(() => parseDeploymentManifest(manifest)).toThrow(
      /chains\.0\.contracts\.modelRegistry: the home chain needs it/,
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

  it("refuses a netting vault key that is the executor's or the DVN's key (one key, one nonce sequence)", () => {
    const manifest = validManifest();
    const account = `0x${"00".repeat(12)}${address(102).slice(2)}` as const;
    manifest.keys.nettingVaults = [
      { chainId: 31_337, account, key: anvil(2) },
      { chainId: 31_338, account, key: { kind: "anvil-dev-account", index: 1, address: address(101) } },
    ];
    const error = (() => {
      try {
        parseDeploymentManifest(manifest);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidManifestError);
    expect((error as InvalidManifestError).issues).toEqual([
      "keys.nettingVaults.0.key: is the layerZeroExecutor key: a netting vault needs a key of its own",
      "keys.nettingVaults.1.key: is the layerZeroDvn key: a netting vault needs a key of its own",
    ]);
  });

  it("rejects a chain of no known family, naming the family field", () => {
    const manifest = JSON.parse(JSON.stringify(validManifest())) as { chains: Array<{ family: string }> };
    const [first] = manifest.chains;
    if (first) first.family = "cosmos";
    expect(() => parseDeploymentManifest(manifest)).toThrow(/chains\.0\.family:/);
  });

  it("rejects a Solana entry without its vault, and a Solana chain as home", () => {
    const manifest = validManifest();
    const { vault: _, ...noVault } = solana();
    expect(() => parseDeploymentManifest({ ...manifest, chains: [...manifest.chains.slice(0, 2), noVault] })).toThrow(
      /chains\.2\.vault:/,
    );
    manifest.homeChainId = 1_399_811_169;
    expect(() => parseDeploymentManifest(manifest)).toThrow(/chains\.2\.family: the home chain must be an EVM chain/);
  });

  it("refuses a Solana vault whose threshold exceeds its operators, or with no operators", () => {
    const manifest = validManifest();
    const others = manifest.chains.slice(0, 2);
    expect(() => parseDeploymentManifest({ ...manifest, chains: [...others, { ...solana(), threshold: 3 }] })).toThrow(
      /chains\.2\.threshold: exceeds the 2 operators/,
    );
    expect(() => parseDeploymentManifest({ ...manifest, chains: [...others, { ...solana(), operators: [] }] })).toThrow(
      /chains\.2\.operators:/,
    );
  });

  it("accepts a third EVM chain as one more entry, and refuses two chains with one id", () => {
    const manifest = validManifest();
    const [a] = manifest.chains;
    if (a?.family !== "evm") throw new Error("fixture: evm-a first");
    manifest.chains.push({ ...a, name: "evm-c", chainId: 31_339 });
    expect(parseDeploymentManifest(manifest).chains).toHaveLength(4);
    manifest.chains.push({ ...a, name: "evm-d" });
    expect(() => parseDeploymentManifest(manifest)).toThrow(/chains: chain ids must be distinct/);
  });

  it("lets a public stage's chains leave their secret URLs out, and refuses that on the devnet", () => {
    const withoutUrls = (network: DeploymentManifest["network"]) => {
      const manifest = validManifest();
      const { wormholeGuardian: _, ...keys } = manifest.keys;
      return {
        ...manifest,
        network,
        keys,
        chains: manifest.chains.map(({ rpcUrl: _, ...chain }) =>
          chain.family === "solana" ? (({ wsUrl: _, ...rest }) => rest)(chain) : chain,
        ),
      };
    };
    const testnet = parseDeploymentManifest(withoutUrls("testnet"));
    expect(testnet.chains.every((chain) => chain.rpcUrl === undefined)).toBe(true);
    expect(testnet.keys.wormholeGuardian).toBeUndefined();
    const [evm] = testnet.chains;
    if (!evm) throw new Error("no chain");
    expect(() => manifestRpcUrlOf(evm)).toThrow(ManifestUrlMissingError);
    expect(() => manifestRpcUrlOf(evm)).toThrow(`the manifest has no rpcUrl for ${evm.name}`);
    const cluster = testnet.chains.find((chain) => chain.family === "solana");
    if (cluster?.family !== "solana") throw new Error("no Solana chain");
    expect(() => manifestWsUrlOf(cluster)).toThrow(ManifestUrlMissingError);

    const issues = (() => {
      try {
        parseDeploymentManifest(withoutUrls("devnet"));
      } catch (error) {
        return error instanceof InvalidManifestError ? error.issues : [];
      }
      return [];
    })();
    expect(issues).toContain("chains.0.rpcUrl: a devnet chain needs its URL");
    expect(issues.some((issue) => /^chains\.\d+\.wsUrl: a devnet cluster needs its URL$/.test(issue))).toBe(true);
    const devnet = parseDeploymentManifest(validManifest());
    const [devnetEvm] = devnet.chains;
    if (!devnetEvm) throw new Error("no chain");
    expect(manifestRpcUrlOf(devnetEvm)).toBe(devnetEvm.rpcUrl);
  });

  it("rejects a home chain that is not in the list", () => {
    const manifest = validManifest();
    manifest.homeChainId = 1;
    expect(() => parseDeploymentManifest(manifest)).toThrow(/homeChainId: names no chain/);
  });
});
