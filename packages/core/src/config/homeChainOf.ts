import type { DeploymentManifest, EvmChainManifest } from "./deploymentManifest.ts";
import { InvalidManifestError } from "./parseDeploymentManifest.ts";

/**
 * The deployment's home chain: the EVM chain with the model registry, the SLA oracle and the revenue ledger
 * (`parseDeploymentManifest` guarantees it exists and is EVM; a hand-built manifest that breaks that throws).
 *
 * @example const home = homeChainOf(manifest); // { family: "evm", name: "evm-b", chainId: 31338, … }
 */
export function homeChainOf(manifest: Pick<DeploymentManifest, "chains" | "homeChainId">): EvmChainManifest {
  const home = manifest.chains.find(
    (chain): chain is EvmChainManifest => chain.family === "evm" && chain.chainId === manifest.homeChainId,
  );
  if (home) return home;
  throw new InvalidManifestError([`homeChainId: names no EVM chain in chains[] (${manifest.homeChainId})`]);
}
