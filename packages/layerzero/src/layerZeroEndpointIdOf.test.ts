import { EndpointId } from "@layerzerolabs/lz-definitions";
import { type ChainConfig, SOLANA_CHAIN_ID } from "@slabridge/core";
import { describe, expect, it } from "vitest";
import { LayerZeroConfigError } from "./errors/LayerZeroConfigError.ts";
import { layerZeroEndpointIdOf } from "./layerZeroEndpointIdOf.ts";

const evmChain = (layerZero?: string): ChainConfig => ({
  chainId: 11_155_111,
  name: "evm-a",
  family: "evm",
  rpcUrl: { secret: "RpcUrlEvmA" },
  confirmations: 3,
  maxBlockRange: 1_000,
  ...(layerZero === undefined ? {} : { protocols: { layerZero } }),
});
const solanaChain: ChainConfig = {
  chainId: SOLANA_CHAIN_ID,
  name: "solana",
  family: "solana",
  rpcUrl: { secret: "RpcUrlSolana" },
  confirmations: 0,
  maxBlockRange: 2_000,
  finalityLagMs: 30_000,
  protocols: { layerZero: "SOLANA_V2_TESTNET" },
};

describe("layerZeroEndpointIdOf", () => {
  it("is LayerZero's own endpoint id of the named endpoint", () => {
    expect(layerZeroEndpointIdOf(evmChain("SEPOLIA_V2_TESTNET"), "testnet")).toBe(EndpointId.SEPOLIA_V2_TESTNET);
    expect(layerZeroEndpointIdOf(evmChain("BASESEP_V2_TESTNET"), "testnet")).toBe(EndpointId.BASESEP_V2_TESTNET);
    expect(layerZeroEndpointIdOf(solanaChain, "testnet")).toBe(EndpointId.SOLANA_V2_TESTNET);
    expect(layerZeroEndpointIdOf(evmChain("ETHEREUM_V2_MAINNET"), "mainnet")).toBe(EndpointId.ETHEREUM_V2_MAINNET);
  });

  it.each([
    [evmChain(), "testnet", "chain evm-a has no protocols.layerZero name"],
    [evmChain("SEPOLIA_V3_TESTNET"), "testnet", "chain evm-a: SEPOLIA_V3_TESTNET is not a LayerZero endpoint id name"],
    // The enum maps ids back to names, and objects inherit: neither is an endpoint name.
    [evmChain("toString"), "testnet", "chain evm-a: toString is not a LayerZero endpoint id name"],
    [evmChain("SEPOLIA_TESTNET"), "testnet", "chain evm-a: SEPOLIA_TESTNET (10161) is not a LayerZero V2 endpoint"],
    [evmChain("ETHEREUM_V2_MAINNET"), "testnet", "chain evm-a: ETHEREUM_V2_MAINNET (30101) is not a testnet endpoint"],
    [
      evmChain("SOLANA_V2_TESTNET"),
      "testnet",
      "chain evm-a: SOLANA_V2_TESTNET (40168) is an endpoint of another chain family than evm",
    ],
  ] as const)("refuses %o on %s with a LayerZeroConfigError", (chain, network, message) => {
    expect(() => layerZeroEndpointIdOf(chain, network)).toThrow(LayerZeroConfigError);
    expect(() => layerZeroEndpointIdOf(chain, network)).toThrow(message);
  });
});
