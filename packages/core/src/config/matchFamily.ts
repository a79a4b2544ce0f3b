import type { ChainManifest, EvmChainManifest, SolanaChainManifest } from "./deploymentManifest.ts";

/** What to do with a chain of each family: one function per family, each typed with its family's manifest. */
export interface FamilyHandlers<R> {
  evm(chain: EvmChainManifest): R;
  solana(chain: SolanaChainManifest): R;
}

/**
 * The one place a chain's family is decided: composition roots pass what each family needs and get the result for
 * this chain. Exhaustive: a family added to the manifest schema fails to compile here until every caller handles it.
 *
 * @example
 * const readers = manifest.chains.map((chain) =>
 *   matchFamily(chain, { evm: (c) => new EvmStatusReader(...), solana: (c) => new SolanaStatusReader(...) }),
 * );
 */
export function matchFamily<R>(chain: ChainManifest, handlers: FamilyHandlers<R>): R {
  switch (chain.family) {
    case "evm":
      return handlers.evm(chain);
    case "solana":
      return handlers.solana(chain);
  }
}
