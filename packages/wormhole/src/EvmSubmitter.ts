// The submitter port lives in @slabridge/evm (one definition for every transport).
export type { EvmCall, EvmSubmission, EvmSubmitter } from "@slabridge/evm";
