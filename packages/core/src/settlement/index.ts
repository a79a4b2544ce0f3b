// Settlement: the Escrow's split of a release, cross-chain netting of vault positions, conservation of value.
export {
  type ChainSupply,
  type ConservationInput,
  type ConservationReport,
  checkConservation,
  type HolderBalance,
  type InFlightTransfer,
} from "./checkConservation.ts";
export { InvalidNettingInputError, InvalidTopUpInputError } from "./errors.ts";
export { planNetting, settlePositions } from "./planNetting.ts";
export {
  type PaidOutEvent,
  payoutDustIndex,
  type ReleaseFromPayouts,
  releaseFromPayouts,
} from "./releaseFromPayouts.ts";
export { assertPayeeTable, splitRelease } from "./splitRelease.ts";
export { topUpShares } from "./topUpShares.ts";
export type {
  EpochRelease,
  NettingPlan,
  PayeeShare,
  SettlementPayee,
  VaultPayout,
  VaultPosition,
  VaultTransfer,
} from "./types.ts";
