import { type DeploymentManifest, type EvmChainManifest, matchFamily, type SolanaChainManifest } from "@slabridge/core";

/** A manifest's chains split by family, as the devnet builds them (EVM chains in order, at most one Solana cluster). */
export interface DevnetChains {
  readonly evm: readonly EvmChainManifest[];
  readonly solana: SolanaChainManifest | undefined;
}

/**
 * The devnet's chains by family, for the devnet's own tools and tests (which know the world they started: anvil
 * chains and one LiteSVM cluster). Bot code picks an adapter per chain instead.
 *
 * @example const { evm, solana } = devnetChainsOf(devnet.manifest);
 */
export function devnetChainsOf(manifest: Pick<DeploymentManifest, "chains">): DevnetChains {
  const evm: EvmChainManifest[] = [];
  let solana: SolanaChainManifest | undefined;
  for (const chain of manifest.chains) {
    matchFamily(chain, {
      evm: (c) => {
        evm.push(c);
      },
      solana: (c) => {
        solana ??= c;
      },
    });
  }
  return { evm, solana };
}
