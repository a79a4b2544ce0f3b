import type { ChainConfig, ProtocolNetwork } from "@slabridge/core";
import {
  chainToChainId,
  chainToPlatform,
  contracts,
  isChain,
  type Network,
  nativeChainIds,
} from "@wormhole-foundation/sdk-base";
import { WormholeConfigError } from "./errors/WormholeConfigError.ts";

/** A chain as the Wormhole SDK's address book has it on the stage's network. */
export interface WormholeBookEntry {
  /** Wormhole's name of the chain, e.g. `Sepolia`. */
  readonly name: string;
  /** Wormhole chain id (what VAAs carry as emitter chain). */
  readonly chainId: number;
  /** The Wormhole core bridge: an EVM address, or a Solana program id (base58). */
  readonly coreBridge: string;
}

const wormholeNetworkOf = { testnet: "Testnet", mainnet: "Mainnet" } as const satisfies Record<
  ProtocolNetwork,
  Network
>;
const platformOfFamily = { evm: "Evm", solana: "Solana" } as const satisfies Record<ChainConfig["family"], string>;

/**
 * A chain's Wormhole chain id and core bridge, looked up in the Wormhole SDK's address book
 * (`@wormhole-foundation/sdk-base`) by the name the stage config gives it (`protocols.wormhole`). Throws
 * {@link WormholeConfigError} for a name the book lacks, a chain of another family, an EVM chain whose EVM chain id
 * is not the config's (the book knows both), or a chain with no core bridge on that network.
 *
 * @example wormholeChainOf(config.chains[0], "testnet") // { name: "Sepolia", chainId: 10002, coreBridge: "0x4a8b…" }
 */
export function wormholeChainOf(chain: ChainConfig, network: ProtocolNetwork): WormholeBookEntry {
  const name = chain.protocols?.wormhole;
  if (name === undefined) throw new WormholeConfigError(`chain ${chain.name} has no protocols.wormhole name`);
  if (!isChain(name)) throw new WormholeConfigError(`chain ${chain.name}: ${name} is not a Wormhole chain`);
  const platform = chainToPlatform(name);
  if (platform !== platformOfFamily[chain.family]) {
    throw new WormholeConfigError(
      `chain ${chain.name}: Wormhole's ${name} is on its ${platform} platform, not ${chain.family}`,
    );
  }
  const wormholeNetwork = wormholeNetworkOf[network];
  if (chain.family === "evm") {
    // Solana's native id is its genesis hash, which slabridge's SOLANA_CHAIN_ID does not carry: EVM chains only.
    const evmChainId = nativeChainIds.networkChainToNativeChainId.get(wormholeNetwork, name);
    if (evmChainId !== BigInt(chain.chainId)) {
      throw new WormholeConfigError(
        `chain ${chain.name}: Wormhole's ${wormholeNetwork} ${name} has EVM chain id ${evmChainId ?? "none"}, not ${chain.chainId}`,
      );
    }
  }
  const coreBridge = contracts.coreBridge.get(wormholeNetwork, name);
  if (coreBridge === undefined) {
    throw new WormholeConfigError(`chain ${chain.name}: Wormhole has no ${wormholeNetwork} core bridge on ${name}`);
  }
  return { name, chainId: chainToChainId(name), coreBridge };
}
