import type { DeploymentManifest, EvmChainManifest } from "@slabridge/core";

/**
 * The manifest's EVM chains, in manifest order (what the EVM-only transports, LayerZero and Wormhole, serve).
 *
 * @example const names = evmChainsOf(manifest).map((chain) => chain.name); // ["evm-a", "evm-b"]
 */
export function evmChainsOf(manifest: Pick<DeploymentManifest, "chains">): EvmChainManifest[] {
  return manifest.chains.filter((chain): chain is EvmChainManifest => chain.family === "evm");
}
