import type { ChainManifest, DeploymentManifest } from "./deploymentManifest.ts";
import { matchFamily } from "./matchFamily.ts";

/**
 * The chains where buyers pay and money waits in escrow for verdicts: every EVM chain with an escrow contract (the
 * home chain's own escrow too) and every Solana cluster (its vault). Workflows ask this instead of a chain's family.
 *
 * @example paymentChainsOf(manifest).map((chain) => chain.chainId) // [31337, 31338, 1399811169]
 */
export function paymentChainsOf(manifest: Pick<DeploymentManifest, "chains">): ChainManifest[] {
  return manifest.chains.filter(holdsEscrow);
}

function holdsEscrow(chain: ChainManifest): boolean {
  return matchFamily(chain, { evm: (evm) => evm.contracts.escrow !== undefined, solana: () => true });
}
