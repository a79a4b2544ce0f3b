import type { EvmChainManifest } from "@slabridge/core";
import { evmChainsOf } from "@slabridge/evm";
import type { Address, PublicClient } from "viem";
import { MissingLinkError } from "../linkedResource.ts";
import type { StatusWorld } from "./buildStatusWorld.ts";

/** A model's home chain with its client and the registry and oracle addresses. */
export interface HomeChain {
  readonly chain: EvmChainManifest;
  readonly client: PublicClient;
  readonly registry: Address;
  readonly oracle: Address;
}

/**
 * The home chain (registry, oracle, client) of `chainId`; the manifest schema guarantees the contracts exist.
 *
 * @example const home = homeChainOf(world, model.homeChainId);
 */
export function homeChainOf(world: StatusWorld, chainId: number): HomeChain {
  const chain = evmChainsOf(world.manifest).find((candidate) => candidate.chainId === chainId);
  const client = world.clients.get(chainId);
  const { modelRegistry, slaOracle } = chain?.contracts ?? {};
  if (!chain || !client || !modelRegistry || !slaOracle) {
    throw new MissingLinkError(`home chain ${chainId}`, "no registry, oracle or RPC client in this deployment");
  }
  return { chain, client, registry: modelRegistry as Address, oracle: slaOracle as Address };
}

/**
 * The chain's `maxBlockRange` from the stage config (2,000 when unset).
 *
 * @example const step = maxBlockRangeOf(world, 31337);
 */
export function maxBlockRangeOf(world: StatusWorld, chainId: number): bigint {
  return BigInt(world.config.chains.find((chain) => chain.chainId === chainId)?.maxBlockRange ?? 2_000);
}
