import { type DeploymentResult, type ExecuteDeploymentOptions, executeDeployment } from "./executeDeployment.ts";
import { type ChainProtocols, type DeployParameters, planDeployment } from "./planDeployment.ts";

/** Options of {@link deploySlabridge}: what to deploy (chains, parameters), and how to run it as {@link executeDeployment}. */
export interface DeploySlabridgeOptions extends Omit<ExecuteDeploymentOptions, "plan"> {
  /** The stage's EVM chains with their protocols' addresses. */
  chains: readonly ChainProtocols[];
  parameters: DeployParameters;
}

/**
 * Plans and runs (or dry-runs) slabridge's EVM deployment: the one code path of `npm run deploy` and the devnet.
 * Idempotent: a re-run checks every step on chain and sends nothing for what is in place.
 *
 * @example
 * ```ts
 * const { contracts, sent } = await deploySlabridge({ stage: "devnet", chains, parameters, clients, account, statePath });
 * contracts.get(31338)?.modelRegistry; // 0x…
 * ```
 */
export async function deploySlabridge({
  chains,
  parameters,
  ...run
}: DeploySlabridgeOptions): Promise<DeploymentResult> {
  return await executeDeployment({ ...run, plan: planDeployment(chains, parameters) });
}
