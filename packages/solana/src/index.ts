// @slabridge/solana: the Solana chain adapter (web3.js v1): vault watcher, robust sender, multisig vault transfers.

export { base58 } from "./base58.ts";
export {
  type CreateSolanaChainOptions,
  createSolanaChain,
  type SolanaChain,
  type SolanaHomeChain,
  solanaFinalityLagMs,
} from "./chain/createSolanaChain.ts";
export { readSolanaStablecoinSupply } from "./chain/readSolanaStablecoinSupply.ts";
export { readTokenAccounts, type TokenAccountUse } from "./chain/readTokenAccounts.ts";
export { receiveSolanaVerdict, solanaSettlementJobs } from "./chain/receiveSolanaVerdict.ts";
export {
  type ReturnDepositsResult,
  type ReturnedDeposit,
  SolanaDepositReturner,
  type SolanaDepositReturnerOptions,
} from "./chain/SolanaDepositReturner.ts";
export {
  InvalidSolanaNetPayoutError,
  type SolanaNetPayment,
  type SolanaNetPayout,
  type SolanaNettingPayResult,
  SolanaNettingVault,
  type SolanaNettingVaultOptions,
} from "./chain/SolanaNettingVault.ts";
export {
  SolanaPublisherMissingError,
  SolanaReceiptConfigError,
  type SolanaReceiptPublisher,
  SolanaReceiptSource,
  type SolanaReceiptSourceOptions,
  solanaReceiptProgressId,
  type VoucherClaimOutcome,
} from "./chain/SolanaReceiptSource.ts";
export {
  DEFAULT_SOLANA_VERDICT_GRACE_EPOCHS,
  type SolanaNettingPosition,
  SolanaPaymentMismatchError,
  type SolanaRefundCredit,
  SolanaRefundsPendingError,
  SolanaSettlementConfigError,
  SolanaSettlementTarget,
  type SolanaSettlementTargetOptions,
} from "./chain/SolanaSettlementTarget.ts";
export {
  SolanaStablecoinLedgerReader,
  type SolanaStablecoinLedgerReaderOptions,
} from "./chain/SolanaStablecoinLedgerReader.ts";
// The status read model's Solana reader (ChainStatusReader) and the vault-outflow evidence behind it.
export {
  type SolanaSettlementFindings,
  type SolanaSettlementReader,
  SolanaStatusReader,
  type SolanaStatusReaderOptions,
} from "./chain/SolanaStatusReader.ts";
export {
  type HomeWormholeEmitter,
  type SolanaVerdict,
  SolanaVerdictMismatchError,
  SolanaVerdictSource,
  type SolanaVerdictSourceOptions,
  verifySolanaVerdict,
} from "./chain/SolanaVerdictSource.ts";
export { SolanaVoucherClaimer, type SolanaVoucherClaimerOptions } from "./chain/SolanaVoucherClaimer.ts";
export {
  SolanaWatcher,
  type SolanaWatcherOptions,
  vaultScanCursorId,
  type WatchSolanaResult,
  watchSolanaVault,
} from "./chain/SolanaWatcher.ts";
export { solanaChainsOf } from "./chain/solanaChainsOf.ts";
export { solanaOperatorSigners } from "./chain/solanaOperatorSigners.ts";
export type { VaultAccess } from "./chain/VaultAccess.ts";
export {
  VaultOutflowSettlementReader,
  type VaultOutflowSettlementReaderOptions,
} from "./chain/VaultOutflowSettlementReader.ts";
export {
  SOLANA_WORMHOLE_CHAIN,
  type WatchSolanaEmitterOptions,
  type WatchSolanaEmitterResult,
  watchSolanaEmitter,
} from "./chain/watchSolanaEmitter.ts";
export {
  type VaultSend,
  type VaultSendLeaseOptions,
  withVaultSendLease,
  withVaultSendLeaseId,
} from "./chain/withVaultSendLease.ts";
export { ConfirmationTimeoutError } from "./errors/ConfirmationTimeoutError.ts";
export { CursorConflictError } from "./errors/CursorConflictError.ts";
export { InvalidSvmVoucherError, type InvalidSvmVoucherReason } from "./errors/InvalidSvmVoucherError.ts";
export { MalformedMemoError, type MalformedMemoReason } from "./errors/MalformedMemoError.ts";
export { OperatorKeyMismatchError } from "./errors/OperatorKeyMismatchError.ts";
export { SolanaRpcError } from "./errors/SolanaRpcError.ts";
export { TransactionFailedError } from "./errors/TransactionFailedError.ts";
export { VaultSendInFlightError } from "./errors/VaultSendInFlightError.ts";
export { formatSlabridgeMemo } from "./memo/formatSlabridgeMemo.ts";
export {
  type CreditMemo,
  MAX_MEMO_LENGTH,
  type NetMemo,
  type OutflowMemo,
  type PaymentMemo,
  type PayoutMemo,
  parsePaymentMemo,
  parseSlabridgeMemo,
  type RefundMemo,
  type ReturnMemo,
  type SlabridgeMemo,
  type VoidMemo,
} from "./memo/slabridgeMemo.ts";
export { type InstructionLocation, solanaPaymentId } from "./memo/solanaPaymentId.ts";
export {
  buildMultisigTransfer,
  MEMO_PROGRAM_ID,
  type MultisigTransferParams,
} from "./multisig/buildMultisigTransfer.ts";
export {
  associatedTokenAccount,
  buildVaultTransferBatch,
  type VaultTransferBatch,
  type VaultTransferBatchParams,
  type VaultTransferOrder,
  vaultTransactionSize,
} from "./multisig/buildVaultTransferBatch.ts";
export {
  type FindVaultOutflowOptions,
  findDepositReturn,
  findVaultOutflow,
  type VaultTransferOut,
} from "./multisig/findVaultOutflow.ts";
export { type ReadVaultOutflowsOptions, readVaultOutflows } from "./multisig/readVaultOutflows.ts";
export {
  type SendVaultTransferOnceParams,
  type SendVaultTransferOnceResult,
  sendVaultTransferOnce,
} from "./multisig/sendVaultTransferOnce.ts";
export {
  type PriorityFeePolicy,
  type SendOptions,
  type SendResult,
  SolanaSender,
  type SolanaSenderOptions,
  type SolanaTransactionSigner,
} from "./sender/SolanaSender.ts";
export {
  type PlanSolanaSettlementInput,
  planSolanaSettlement,
  type SolanaSettlementPlan,
  type SplitEntry,
} from "./settlement/planSolanaSettlement.ts";
export {
  kmsSolanaSigner,
  kmsSolanaSignerOfKeyId,
  type SolanaSigner,
  SolanaSignerError,
  signSolanaTransaction,
  solanaSignerOf,
} from "./signer/kmsSolanaSigner.ts";
export {
  classifyVaultTransaction,
  type VaultContext,
  type VaultTransactionOutcome,
} from "./vault/classifyVaultTransaction.ts";
export {
  type DecodedVaultTransaction,
  decodeVaultTransfers,
  type VaultTransfer,
} from "./vault/decodeVaultTransfers.ts";
export { type PairedVaultPayment, pairVaultOutflows, pairVaultPayments } from "./vault/pairVaultOutflows.ts";
export { readVaultPayment, type VaultPaymentOnChain } from "./vault/readVaultPayment.ts";
export {
  SolanaVaultWatcher,
  type SolanaVaultWatcherOptions,
  type VaultPollResult,
} from "./vault/SolanaVaultWatcher.ts";
export type {
  SkippedVaultTransaction,
  SkipReason,
  SolanaDepositReturn,
  SolanaPayment,
  SolanaVaultOutflow,
  UnmatchedDeposit,
  VaultBatch,
} from "./vault/vaultEvents.ts";
export {
  type ClaimSolanaVouchersOptions,
  type ClaimSolanaVouchersResult,
  claimSolanaVouchers,
  type PulledVoucher,
  type SkippedVoucher,
  type SolanaVoucherClaim,
  type VoucherSkipReason,
} from "./vouchers/claimSolanaVouchers.ts";
export { type ReadVoucherPullsOptions, readVoucherPulls, type VoucherPull } from "./vouchers/readVoucherPulls.ts";
export {
  decodeSvmVoucherMessage,
  deriveSvmChannelId,
  encodeSvmVoucherMessage,
  parseSvmPublicKey,
  SVM_CHANNEL_DOMAIN,
  SVM_VOUCHER_MESSAGE_LENGTH,
  type SvmChannelTerms,
  type SvmVoucher,
  signSvmVoucher,
  verifySvmVoucher,
} from "./vouchers/svmVoucher.ts";
export { channelPrefixOf, parseVoucherClaimRef, voucherClaimRef } from "./vouchers/voucherClaimRef.ts";
