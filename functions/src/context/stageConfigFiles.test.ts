import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { InvalidStageConfigError, parseStageConfig, SOLANA_CHAIN_ID, type StageConfigInput } from "@slabridge/core";
import { describe, expect, it } from "vitest";
import { protocolIdsOf } from "./protocolIdsOf.ts";

const configDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../config");
const readConfig = (file: string): StageConfigInput =>
  JSON.parse(readFileSync(path.join(configDir, file), "utf8")) as StageConfigInput;

describe("committed stage configs", () => {
  // `<stage>.deploy.json` holds the deploy command's parameters, not a stage config (its CLI tests parse those).
  const files = readdirSync(configDir).filter((file) => file.endsWith(".json") && !file.endsWith(".deploy.json"));

  it("exist for the devnet, dev and testnet", () => {
    expect(files).toEqual(expect.arrayContaining(["devnet.json", "dev.json", "testnet.json"]));
  });

  it.each(files)("%s parses, and names RPC URLs by secret or manifest only", (file) => {
    const config = parseStageConfig(readConfig(file));
    for (const chain of config.chains) expect("url" in chain.rpcUrl).toBe(false);
  });

  it("look protocol ids up only for a stage on a public network (the devnet deploys its own endpoints)", () => {
    expect(protocolIdsOf(parseStageConfig(readConfig("devnet.json"))).size).toBe(0);
  });

  it.each(["dev.json", "testnet.json"])("%s names the secrets the SST signers stack declares", (file) => {
    const config = parseStageConfig(readConfig(file));
    const secrets = config.chains.map((chain) => ("secret" in chain.rpcUrl ? chain.rpcUrl.secret : ""));
    expect(secrets).toEqual(["RpcUrlEvmA", "RpcUrlEvmB", "RpcUrlSolana"]);
  });
});

describe("config/testnet.json", () => {
  const sepolia = 11_155_111;
  const baseSepolia = 84_532;

  it("has Ethereum Sepolia as home: Base Sepolia and Solana devnet send it receipts, it sends the rest", () => {
    const config = parseStageConfig(readConfig("testnet.json"));
    expect(config.network).toBe("testnet");
    expect(config.chains.map((chain) => chain.chainId)).toEqual([sepolia, baseSepolia, SOLANA_CHAIN_ID]);
    for (const route of config.routes) {
      if (route.kind === "ReceiptBatch") expect(route.destination, JSON.stringify(route)).toBe(sepolia);
      else expect(route.source, JSON.stringify(route)).toBe(sepolia);
      const solanaEnd = route.source === SOLANA_CHAIN_ID || route.destination === SOLANA_CHAIN_ID;
      const evmPair = route.source !== route.destination && !solanaEnd;
      // LayerZero between the two EVM testnets; Wormhole to and from Solana and within the home chain.
      expect(route.transport, JSON.stringify(route)).toBe(evmPair ? "layerzero" : "wormhole");
    }
  });

  it("takes every LayerZero endpoint id and Wormhole chain id and core from the protocols' address books", () => {
    const config = parseStageConfig(readConfig("testnet.json"));
    const ids = protocolIdsOf(config);
    // The one link the books cannot check: LayerZero's address book has no EVM chain ids (Wormhole's has).
    expect(Object.fromEntries(config.chains.map((chain) => [chain.chainId, chain.protocols]))).toEqual({
      [sepolia]: { layerZero: "SEPOLIA_V2_TESTNET", wormhole: "Sepolia" },
      [baseSepolia]: { layerZero: "BASESEP_V2_TESTNET", wormhole: "BaseSepolia" },
      [SOLANA_CHAIN_ID]: { layerZero: "SOLANA_V2_TESTNET", wormhole: "Solana" },
    });
    for (const chain of config.chains) {
      const chainIds = ids.get(chain.chainId);
      expect(chainIds?.layerZeroEid, chain.name).toEqual(expect.any(Number));
      expect(chainIds?.wormhole?.chainId, chain.name).toEqual(expect.any(Number));
      expect(chainIds?.wormhole?.coreBridge, chain.name).toEqual(expect.any(String));
    }
  });

  it("refuses broken variants with the stage config's typed error, naming the bad field", () => {
    const issuesOf = (mutate: (config: StageConfigInput) => void): readonly string[] => {
      const config = readConfig("testnet.json");
      mutate(config);
      try {
        protocolIdsOf(parseStageConfig(config));
      } catch (error) {
        if (error instanceof InvalidStageConfigError) return error.issues;
        throw error;
      }
      return [];
    };
    const publicRpc = issuesOf((config) => {
      (config.chains[1] as { rpcUrl: unknown }).rpcUrl = { url: "https://sepolia.base.org" };
    });
    expect(publicRpc).toEqual([
      "chains.1.rpcUrl.url: only a loopback URL may be inline: name an SST secret instead ({ secret: ... })",
    ]);
    const unknownChain = issuesOf((config) => {
      config.routes.push({ source: 421_614, destination: sepolia, kind: "ReceiptBatch", transport: "layerzero" });
    });
    const appended = readConfig("testnet.json").routes.length;
    expect(unknownChain).toEqual([`routes.${appended}.source: chain 421614 is not in chains`]);
    // Base Sepolia's endpoint named on Sepolia too: two chains on one eid.
    const wrongEid = issuesOf((config) => {
      (config.chains[0] as { protocols: unknown }).protocols = { layerZero: "BASESEP_V2_TESTNET", wormhole: "Sepolia" };
    });
    expect(wrongEid).toEqual([expect.stringMatching(/^chains\.1\.protocols\.layerZero: \d+ is chain 11155111's too$/)]);
    const v1Eid = issuesOf((config) => {
      (config.chains[0] as { protocols: unknown }).protocols = { layerZero: "SEPOLIA_TESTNET", wormhole: "Sepolia" };
    });
    expect(v1Eid).toEqual([
      expect.stringMatching(/^chains\.0\.protocols\.layerZero: .*is not a LayerZero V2 endpoint$/),
    ]);
    const swappedWormhole = issuesOf((config) => {
      (config.chains[0] as { protocols: unknown }).protocols = {
        layerZero: "SEPOLIA_V2_TESTNET",
        wormhole: "BaseSepolia",
      };
      (config.chains[1] as { protocols: unknown }).protocols = { layerZero: "BASESEP_V2_TESTNET", wormhole: "Sepolia" };
    });
    expect(swappedWormhole).toEqual([
      expect.stringMatching(/^chains\.0\.protocols\.wormhole: .*has EVM chain id 84532, not 11155111$/),
      expect.stringMatching(/^chains\.1\.protocols\.wormhole: .*has EVM chain id 11155111, not 84532$/),
    ]);
  });
});
