// @slabridge/verify: a buyer's check of one SLA verdict from its published evidence. The status API gives where the
// evidence is and each chain's settlement; the verdict, the prober set and the terms are read from the home chain
// through a port (the EVM adapter's `readRecordedVerdict`); the report is recomputed with the evaluator's own
// functions (@slabridge/measuring). Imports no chain SDK.

export {
  type CheckEvidenceInput,
  checkBundleBytes,
  checkEvidence,
  type EvidenceRules,
} from "./checkEvidence.ts";
export { checkSettlement } from "./checkSettlement.ts";
export {
  InvalidStatusAnswerError,
  NoEvidenceYetError,
  StatusUnreachableError,
  UnknownEpochError,
  VerifyConfigError,
} from "./errors.ts";
export { formatVerifyResult, verifyResultJson } from "./formatVerifyResult.ts";
export { runVerifyCli, type VerifyCliContext } from "./runVerifyCli.ts";
export { type FetchLike, StatusApiClient } from "./StatusApiClient.ts";
export type { SettlementView } from "./statusAnswers.ts";
export type { VerifyCheck, VerifyResult } from "./VerifyCheck.ts";
export { type ReadOnChainVerdict, type VerifyEpochOptions, verifyEpoch } from "./verifyEpoch.ts";
