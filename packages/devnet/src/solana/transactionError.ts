import type { FailedTransactionMetadata } from "litesvm";
import {
  InstructionErrorBorshIo,
  InstructionErrorCustom,
  TransactionErrorDuplicateInstruction,
  TransactionErrorInstructionError,
  TransactionErrorInsufficientFundsForRent,
  TransactionErrorProgramExecutionTemporarilyRestricted,
} from "litesvm/dist/internal.js";

/** A transaction error in the validator's JSON shape, e.g. `{ InstructionError: [0, { Custom: 1 }] }`. */
export type TransactionErrorJson = string | Record<string, unknown>;

// Order matches litesvm's `TransactionErrorFieldless` const enum (which isolatedModules cannot read at runtime).
const TX_ERRORS = [
  "AccountInUse",
  "AccountLoadedTwice",
  "AccountNotFound",
  "ProgramAccountNotFound",
  "InsufficientFundsForFee",
  "InvalidAccountForFee",
  "AlreadyProcessed",
  "BlockhashNotFound",
  "CallChainTooDeep",
  "MissingSignatureForFee",
  "InvalidAccountIndex",
  "SignatureFailure",
  "InvalidProgramForExecution",
  "SanitizeFailure",
  "ClusterMaintenance",
  "AccountBorrowOutstanding",
  "WouldExceedMaxBlockCostLimit",
  "UnsupportedVersion",
  "InvalidWritableAccount",
  "WouldExceedMaxAccountCostLimit",
  "WouldExceedAccountDataBlockLimit",
  "TooManyAccountLocks",
  "AddressLookupTableNotFound",
  "InvalidAddressLookupTableOwner",
  "InvalidAddressLookupTableData",
  "InvalidAddressLookupTableIndex",
  "InvalidRentPayingAccount",
  "WouldExceedMaxVoteCostLimit",
  "WouldExceedAccountDataTotalLimit",
  "MaxLoadedAccountsDataSizeExceeded",
  "ResanitizationNeeded",
  "InvalidLoadedAccountsDataSizeLimit",
  "UnbalancedTransaction",
  "ProgramCacheHitMaxLimit",
  "CommitCancelled",
] as const;

// Order matches litesvm's `InstructionErrorFieldless` const enum.
const IX_ERRORS = [
  "GenericError",
  "InvalidArgument",
  "InvalidInstructionData",
  "InvalidAccountData",
  "AccountDataTooSmall",
  "InsufficientFunds",
  "IncorrectProgramId",
  "MissingRequiredSignature",
  "AccountAlreadyInitialized",
  "UninitializedAccount",
  "UnbalancedInstruction",
  "ModifiedProgramId",
  "ExternalAccountLamportSpend",
  "ExternalAccountDataModified",
  "ReadonlyLamportChange",
  "ReadonlyDataModified",
  "DuplicateAccountIndex",
  "ExecutableModified",
  "RentEpochModified",
  "NotEnoughAccountKeys",
  "AccountDataSizeChanged",
  "AccountNotExecutable",
  "AccountBorrowFailed",
  "AccountBorrowOutstanding",
  "DuplicateAccountOutOfSync",
  "InvalidError",
  "ExecutableDataModified",
  "ExecutableLamportChange",
  "ExecutableAccountNotRentExempt",
  "UnsupportedProgramId",
  "CallDepth",
  "MissingAccount",
  "ReentrancyNotAllowed",
  "MaxSeedLengthExceeded",
  "InvalidSeeds",
  "InvalidRealloc",
  "ComputationalBudgetExceeded",
  "PrivilegeEscalation",
  "ProgramEnvironmentSetupFailure",
  "ProgramFailedToComplete",
  "ProgramFailedToCompile",
  "Immutable",
  "IncorrectAuthority",
  "AccountNotRentExempt",
  "InvalidAccountOwner",
  "ArithmeticOverflow",
  "UnsupportedSysvar",
  "IllegalOwner",
  "MaxAccountsDataAllocationsExceeded",
  "MaxAccountsExceeded",
  "MaxInstructionTraceLengthExceeded",
  "BuiltinProgramsMustConsumeComputeUnits",
  "BorshIoError",
] as const;

// Human texts the validator prints for the common cases; anything else falls back to the variant name.
const TX_TEXT: Record<string, string> = {
  AccountNotFound: "Attempt to debit an account but found no record of a prior credit.",
  AlreadyProcessed: "This transaction has already been processed",
  BlockhashNotFound: "Blockhash not found",
  InsufficientFundsForFee: "Insufficient funds for fee",
  SignatureFailure: "Transaction did not pass signature verification",
  ProgramAccountNotFound: "Attempt to load a program that does not exist",
};
const IX_TEXT: Record<string, string> = {
  InvalidArgument: "invalid program argument",
  InvalidInstructionData: "invalid instruction data",
  InvalidAccountData: "invalid account data for instruction",
  InsufficientFunds: "insufficient funds for instruction",
  IncorrectProgramId: "incorrect program id for instruction",
  MissingRequiredSignature: "missing required signature for instruction",
  AccountAlreadyInitialized: "instruction requires an uninitialized account",
  UninitializedAccount: "instruction requires an initialized account",
  NotEnoughAccountKeys: "insufficient account keys for instruction",
  PrivilegeEscalation: "Cross-program invocation with unauthorized signer or writable account",
  ComputationalBudgetExceeded: "Computational budget exceeded",
};

/** The validator's JSON error object and its display text (as used in "Transaction simulation failed: ..."). */
export interface DescribedTransactionError {
  readonly json: TransactionErrorJson;
  readonly message: string;
}

/**
 * Converts litesvm's error object into the validator's JSON error and message.
 *
 * @example describeTransactionError(failed).json // { InstructionError: [0, { Custom: 1 }] }
 */
export function describeTransactionError(failed: FailedTransactionMetadata): DescribedTransactionError {
  const err = failed.err();
  if (typeof err === "number") {
    const name = TX_ERRORS[err] ?? `TransactionError(${err})`;
    return { json: name, message: TX_TEXT[name] ?? name };
  }
  if (err instanceof TransactionErrorInstructionError) {
    const index = err.index;
    const inner = err.err();
    if (typeof inner === "number") {
      const name = IX_ERRORS[inner] ?? `InstructionError(${inner})`;
      return {
        json: { InstructionError: [index, name] },
        message: `Error processing Instruction ${index}: ${IX_TEXT[name] ?? name}`,
      };
    }
    if (inner instanceof InstructionErrorCustom) {
      return {
        json: { InstructionError: [index, { Custom: inner.code }] },
        message: `Error processing Instruction ${index}: custom program error: 0x${inner.code.toString(16)}`,
      };
    }
    if (inner instanceof InstructionErrorBorshIo) {
      return {
        json: { InstructionError: [index, { BorshIoError: inner.msg }] },
        message: `Error processing Instruction ${index}: Failed to serialize or deserialize account data: ${inner.msg}`,
      };
    }
  }
  if (err instanceof TransactionErrorDuplicateInstruction) {
    return {
      json: { DuplicateInstruction: err.index },
      message: `Transaction contains a duplicate instruction (${err.index}) that is not allowed`,
    };
  }
  if (err instanceof TransactionErrorInsufficientFundsForRent) {
    return {
      json: { InsufficientFundsForRent: { account_index: err.accountIndex } },
      message: `Transaction results in an account (${err.accountIndex}) with insufficient funds for rent`,
    };
  }
  if (err instanceof TransactionErrorProgramExecutionTemporarilyRestricted) {
    return {
      json: { ProgramExecutionTemporarilyRestricted: { account_index: err.accountIndex } },
      message: `Execution of the program referenced by account at index ${err.accountIndex} is temporarily restricted.`,
    };
  }
  return { json: "UnknownError", message: "unknown transaction error" };
}

/**
 * A named transaction error that never reached the runtime (checked by the RPC layer itself).
 *
 * @example namedTransactionError("BlockhashNotFound").message // "Blockhash not found"
 */
export function namedTransactionError(name: (typeof TX_ERRORS)[number]): DescribedTransactionError {
  return { json: name, message: TX_TEXT[name] ?? name };
}
