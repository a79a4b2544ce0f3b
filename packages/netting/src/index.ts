// @slabridge/netting: automatic netting of what the chains' vaults owe each other once a (model, epoch) is paid out.
// Chain work goes through core's NettingVault / NettingPayer ports; this package imports no chain SDK.

export { NettingCursorVanishedError, NettingPayoutMissingError } from "./errors.ts";
export { InvalidNetEventError } from "./InvalidNetEventError.ts";
export {
  DEFAULT_NETTING_CONCURRENCY,
  type NetDueRoundsInput,
  type NetDueRoundsResult,
  type NetRoundOutcome,
  type NettingChains,
  netDueRounds,
  netRoundId,
  readNetRoundOutcome,
} from "./netDueRounds.ts";
export { type NettingStepKind, nettingStepId } from "./nettingStepId.ts";
export {
  type BridgedTransfer,
  createVaultLocks,
  type NettingRecord,
  type NettingRoundInput,
  type OpenVaultBalance,
  type PaidPayout,
  runNettingRound,
  type VaultLocks,
} from "./runNettingRound.ts";
