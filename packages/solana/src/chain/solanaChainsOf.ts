import type { DeploymentManifest, SolanaChainManifest } from "@slabridge/core";

/**
 * The manifest's Solana clusters, in manifest order (the devnet has one).
 *
 * @example const [solana] = solanaChainsOf(manifest); // undefined in a world without Solana
 */
export function solanaChainsOf(manifest: Pick<DeploymentManifest, "chains">): SolanaChainManifest[] {
  return manifest.chains.filter((chain): chain is SolanaChainManifest => chain.family === "solana");
}
