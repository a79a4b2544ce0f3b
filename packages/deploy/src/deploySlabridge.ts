import type { Address, Chain, LocalAccount, PublicClient, Transport } from "viem";
import { type DeploymentResult, executeDeployment } from "./executeDeployment.ts";
import { type ChainProtocols, type DeployParameters, planDeployment } from "./planDeployment.ts";

/** Options of {@link deploySlabridge}. */
export interface DeploySlabridgeOptions {
  /** The stage (the state file names it). */
  stage: string;
  /** The stage's EVM chains with their protocols' addresses. */
  chains: readonly ChainProtocols[];
  parameters: DeployParameters;
  clients: ReadonlyMap<number, PublicClient<Transport, Chain | undefined>>;
  /** Signs everything (KMS in production, a local key on the devnet and in tests); a dry run needs none. */
  account?: LocalAccount | undefined;
  /** The owner a dry run without an account checks the state file against. */
  deployer?: Address | undefined;
  statePath?: string | undefined;
  dryRun?: boolean;
  onProgress?: (line: string) => void;
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
export async function deploySlabridge(options: DeploySlabridgeOptions): Promise<DeploymentResult> {
  const plan = planDeployment(options.chains, options.parameters);
  return await executeDeployment({
    plan,
    stage: options.stage,
    clients: options.clients,
    account: options.account,
    deployer: options.deployer,
    statePath: options.statePath,
    dryRun: options.dryRun ?? false,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
}
