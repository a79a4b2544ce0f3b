import { type ChainConfig, SOLANA_CHAIN_ID } from "@slabridge/core";
import { chainToChainId, contracts } from "@wormhole-foundation/sdk-base";
import { describe, expect, it } from "vitest";
import { WormholeConfigError } from "./errors/WormholeConfigError.ts";
import { wormholeChainOf } from "./wormholeChainOf.ts";

const evmChain = (chainId: number, wormhole?: string): ChainConfig => ({
  chainId,
  name: "evm-a",
  family: "evm",
  rpcUrl: { secret: "RpcUrlEvmA" },
  confirmations: 3,
  maxBlockRange: 1_000,
  ...(wormhole === undefined ? {} : { protocols: { wormhole } }),
});
const solanaChain = (wormhole: string): ChainConfig => ({
  chainId: SOLANA_CHAIN_ID,
  name: "solana",
  family: "solana",
  rpcUrl: { secret: "RpcUrlSolana" },
  confirmations: 0,
  maxBlockRange: 2_000,
  finalityLagMs: 30_000,
  protocols: { wormhole },
});

describe("wormholeChainOf", () => {
  it("is the Wormhole SDK's chain id and core bridge of the named chain", () => {
    expect(wormholeChainOf(evmChain(11_155_111, "Sepolia"), "testnet")).toEqual({
      name: "Sepolia",
      chainId: chainToChainId("Sepolia"),
      coreBridge: contracts.coreBridge.get("Testnet", "Sepolia"),
    });
    expect(wormholeChainOf(evmChain(84_532, "BaseSepolia"), "testnet")).toEqual({
      name: "BaseSepolia",
      chainId: chainToChainId("BaseSepolia"),
      coreBridge: contracts.coreBridge.get("Testnet", "BaseSepolia"),
    });
    expect(wormholeChainOf(solanaChain("Solana"), "testnet")).toEqual({
      name: "Solana",
      chainId: chainToChainId("Solana"),
      coreBridge: contracts.coreBridge.get("Testnet", "Solana"),
    });
  });

  it.each([
    [evmChain(11_155_111), "testnet", "chain evm-a has no protocols.wormhole name"],
    [evmChain(11_155_111, "Sepolia2"), "testnet", "chain evm-a: Sepolia2 is not a Wormhole chain"],
    // The book knows each EVM chain's own chain id: a name of another chain is caught.
    [
      evmChain(11_155_111, "BaseSepolia"),
      "testnet",
      "chain evm-a: Wormhole's Testnet BaseSepolia has EVM chain id 84532, not 11155111",
    ],
    [
      evmChain(11_155_111, "Sepolia"),
      "mainnet",
      "chain evm-a: Wormhole's Mainnet Sepolia has EVM chain id none, not 11155111",
    ],
    [evmChain(11_155_111, "Solana"), "testnet", "chain evm-a: Wormhole's Solana is on its Solana platform, not evm"],
    [solanaChain("Sepolia"), "testnet", "chain solana: Wormhole's Sepolia is on its Evm platform, not solana"],
  ] as const)("refuses %o on %s with a WormholeConfigError", (chain, network, message) => {
    expect(() => wormholeChainOf(chain, network)).toThrow(WormholeConfigError);
    expect(() => wormholeChainOf(chain, network)).toThrow(message);
  });
});
