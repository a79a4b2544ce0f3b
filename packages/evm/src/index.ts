// @slabridge/evm: the EVM chain adapter (viem). Clients bound to configured URLs only, one place where raw errors
// become typed SlabridgeErrors, a log watcher with confirmations, reorg rewind and backfill, a nonce-safe sender with
// gas bumping, and typed readers / transaction builders for slabridge's contracts. Depends on core's ports only.

export {
  type CreateEvmChainOptions,
  createEvmChain,
  type EvmChain,
  type PayeeEntry,
} from "./chain/createEvmChain.ts";
export { nettingSignerOf } from "./chain/EvmChainNetting.ts";
export { EvmHomeChain, type EvmHomeChainOptions } from "./chain/EvmHomeChain.ts";
export { EvmNettingVault, type EvmNettingVaultConfig } from "./chain/EvmNettingVault.ts";
export type { EvmOutbox, EvmOutboxLog, OutgoingMessage } from "./chain/EvmOutbox.ts";
export {
  type EvmEscrowRef,
  EvmPayoutPublisher,
  type EvmPayoutPublisherOptions,
  PayoutRouteMissingError,
} from "./chain/EvmPayoutPublisher.ts";
export { EvmReceiptSource, type MessengerAddresses } from "./chain/EvmReceiptSource.ts";
export { EvmSettlementTarget } from "./chain/EvmSettlementTarget.ts";
export {
  EvmStablecoinLedgerReader,
  type EvmStablecoinLedgerReaderOptions,
} from "./chain/EvmStablecoinLedgerReader.ts";
// The status read model's EVM reader (ChainStatusReader).
export {
  EvmStatusReader,
  type EvmStatusReaderOptions,
  type IdentifySentMessage,
  type SentMessageIdentity,
} from "./chain/EvmStatusReader.ts";
export { type EpochVoucher, type EpochVoucherSource, EvmVoucherClaimer } from "./chain/EvmVoucherClaimer.ts";
export { EvmWatcher, type EvmWatcherOptions, evmSettlementJobs } from "./chain/EvmWatcher.ts";
export { evmChainsOf } from "./chain/evmChainsOf.ts";
export { RegistryGraceReader } from "./chain/RegistryGraceReader.ts";
export { readEscrowNettingStatus } from "./chain/readEscrowNettingStatus.ts";
export { type ReadEscrowPayoutsInput, readEscrowPayouts } from "./chain/readEscrowPayouts.ts";
export { type RegistryModels, readRegistryCores, readRegistryModels } from "./chain/readRegistryModels.ts";
export { type ReadRoundReleasesInput, readRoundReleases } from "./chain/readRoundReleases.ts";
export { readStablecoinLedger, type StablecoinChain } from "./chain/readStablecoinLedger.ts";
export { buildReceiveVaaTx } from "./contracts/buildReceiveVaaTx.ts";
export { buildRefundTx } from "./contracts/buildRefundTx.ts";
export { buildRelayReceiptsTx } from "./contracts/buildRelayReceiptsTx.ts";
export { buildReleaseTx } from "./contracts/buildReleaseTx.ts";
export {
  type EpochBook,
  type EpochBookRecord,
  type EpochBookStatus,
  EpochBooks,
  type EpochBookTopUp,
  EscrowBook,
  SlaReceiverBook,
} from "./contracts/EpochBook.ts";
export { EPOCH_STATUS, EscrowReader } from "./contracts/EscrowReader.ts";
export { MessengerReader } from "./contracts/MessengerReader.ts";
export { RevenueLedgerReader } from "./contracts/RevenueLedgerReader.ts";
export { type ReaderClient, readContractTyped } from "./contracts/readContractTyped.ts";
export {
  type CreateEvmChainClientOptions,
  createEvmChainClient,
  type EvmChainClient,
  rpcUrlOf,
} from "./createEvmChainClient.ts";
export {
  ContractRevertedError,
  EvmConfigError,
  type EvmErrorContext,
  EvmRpcError,
  InsufficientFundsError,
  NonceTakenError,
  NonceTooLowError,
  ReceiptTimeoutError,
  ReplacementUnderpricedError,
  RpcTimeoutError,
  RpcUnavailableError,
  SendCancelledError,
  TransactionKnownError,
} from "./errors.ts";
export {
  EvmSender,
  type EvmSenderOptions,
  type EvmTxRequest,
  evmSenderId,
  type SenderEvent,
  type SendHooks,
  type SendResult,
  type Submission,
} from "./sender/EvmSender.ts";
export {
  DEFAULT_EVM_SENDER_SETTINGS,
  EvmSenderRegistry,
  type EvmSenderRequest,
  processEvmSenders,
} from "./sender/EvmSenderRegistry.ts";
export { type EvmTxSigner, nodeAccountSigner } from "./sender/EvmTxSigner.ts";
export { bumpFees, capFees, type Eip1559Fees } from "./sender/feeBump.ts";
export { anvilDevAccount } from "./signer/anvilDevAccount.ts";
export { type EvmSigner, evmSignerAddress, evmSignerOf } from "./signer/evmSignerOf.ts";
export { type KmsEvmAccount, KmsSignerError, kmsEvmAccount } from "./signer/kmsEvmAccount.ts";
export { KmsResponseError, secp256k1PointOfSpki } from "./signer/parseDerSignature.ts";
export { type AnyTypedData, type TypedDataSigner, typedDataSignerOf } from "./signer/typedDataSignerOf.ts";
export {
  buildSubmitReportTx,
  readRecordedVerdict,
  type SignedSlaReport,
  SLA_DOMAIN_NAME,
  SLA_DOMAIN_VERSION,
  SLA_REPORT_TYPES,
  type SlaDomainTarget,
  SlaOracleReader,
  type SlaReportSigner,
  type SlaReportTypedData,
  SlaSigningError,
  signSlaReport,
  slaReportTypedData,
  type TypedDataWallet,
  walletClientSigner,
} from "./sla/index.ts";
export { createSenderSubmitter } from "./submitter/createSenderSubmitter.ts";
export type { EvmCall, EvmSubmission, EvmSubmitter } from "./submitter/EvmSubmitter.ts";
export { type TranslateEvmErrorContext, translateEvmError } from "./translateEvmError.ts";
export { MAX_RESPONSE_BYTES, nodeHttpFetch, ResponseTooLargeError } from "./transport/nodeHttpFetch.ts";
export {
  type CheckpointedCursor,
  cursorCheckpoints,
  type StoredCheckpoints,
} from "./watcher/cursorCheckpoints.ts";
export {
  type BlockRange,
  EvmLogWatcher,
  type EvmLogWatcherOptions,
  type LogHandler,
  type PollOptions,
  type PollResult,
  type ReorgEvent,
  type WatchedLog,
  type WatcherProgress,
} from "./watcher/EvmLogWatcher.ts";
export { isLogCanonical } from "./watcher/isLogCanonical.ts";
export { type MinedLog, toJobSource } from "./watcher/toJobSource.ts";
export { type EvmPayingFetchOptions, evmPayingFetch, paymentCarriesDeposit } from "./x402/evmPayingFetch.ts";
