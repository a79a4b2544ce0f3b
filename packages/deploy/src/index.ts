/**
 * @slabridge/deploy: deploys and wires slabridge's EVM contracts on a stage's chains, resumably, signing through a
 * viem account (a KMS key in production), and sets up each Solana cluster's vault ({@link deploySolanaVault}). `npm run deploy` and the devnet both go through {@link deploySlabridge}.
 */

export { DeployError, type DeployErrorCode } from "./DeployError.ts";
export { DeployState } from "./DeployState.ts";
export {
  type DeploySlabridgeOptions,
  deploySlabridge,
  type PayPerCallSettings,
  X402_CHANNELS,
} from "./deploySlabridge.ts";
export {
  type DeploySolanaVaultOptions,
  deploySolanaVault,
  type SolanaVaultAccounts,
  type SolanaVaultPlan,
  type SolanaVaultResult,
  solanaVaultAccounts,
} from "./deploySolanaVault.ts";
export {
  type DeploymentResult,
  type ExecuteDeploymentOptions,
  executeDeployment,
  type StepStatus,
} from "./executeDeployment.ts";
export { type LinkReference, linkBytecode } from "./linkBytecode.ts";
export {
  type ChainProtocols,
  type ContractName,
  type DeploymentPlan,
  type DeployParameters,
  type DeployStep,
  type PlanStep,
  planDeployment,
  type SlabridgeChainContracts,
  type WireStep,
} from "./planDeployment.ts";
export { runDeployCli } from "./runDeployCli.ts";
