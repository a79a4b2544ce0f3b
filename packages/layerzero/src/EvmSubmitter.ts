// The submitter port lives in @slabridge/evm (one definition for every transport); these are its names here.
export type {
  EvmCall as EvmTransactionRequest,
  EvmSubmission as EvmTransactionOutcome,
  EvmSubmitter,
} from "@slabridge/evm";
