// @slabridge/core: slabridge's domain code shared by every service and chain adapter. Imports no chain SDK.

export { mapConcurrently } from "./async/mapConcurrently.ts";
export { onceUntilFailure } from "./async/onceUntilFailure.ts";
export {
  BPS,
  MAX_UINT16,
  MAX_UINT32,
  MAX_UINT64,
  MAX_UINT96,
  MAX_UINT256,
  MESSAGE_KINDS,
  MESSAGE_VERSION,
  type MessageKindName,
  SOLANA_CHAIN_ID,
} from "./codec/constants.ts";
export { decodeMessage, messageKindOf } from "./codec/decodeMessage.ts";
export { decodeMessageOfKind } from "./codec/decodeMessageOfKind.ts";
export { encodeMessage } from "./codec/encodeMessage.ts";
export {
  InvalidHexError,
  InvalidMessageError,
  MalformedMessageError,
  type MessageDecodeError,
  type MessageIssue,
  UnknownKindError,
  UnsupportedVersionError,
  ValueOutOfRangeError,
  WrongKindError,
} from "./codec/errors.ts";
export { type FieldLayout, type FieldType, kindName, MESSAGE_LAYOUTS } from "./codec/messageLayouts.ts";
export {
  type ModelListing,
  modelListingSchema,
  type Payout,
  payoutSchema,
  type ReceiptBatch,
  receiptBatchSchema,
  type SlabridgeMessage,
  type SlabridgeMessageInput,
  slabridgeMessageSchema,
  type Verdict,
  verdictSchema,
} from "./codec/messageSchemas.ts";
export {
  type ChainFamilyName,
  type ChainManifest,
  chainManifestSchema,
  type DeploymentManifest,
  deploymentManifestSchema,
  type EvmChainManifest,
  evmChainManifestSchema,
  type KeyReference,
  keyReferenceSchema,
  type ModelManifest,
  modelManifestSchema,
  type SolanaChainManifest,
  solanaChainManifestSchema,
} from "./config/deploymentManifest.ts";
export { homeChainOf } from "./config/homeChainOf.ts";
export { ManifestUrlMissingError, manifestRpcUrlOf, manifestWsUrlOf } from "./config/manifestRpcUrlOf.ts";
export { type FamilyHandlers, matchFamily } from "./config/matchFamily.ts";
export { InvalidManifestError, parseDeploymentManifest } from "./config/parseDeploymentManifest.ts";
export { InvalidStageConfigError, parseStageConfig } from "./config/parseStageConfig.ts";
export { paymentChainsOf } from "./config/paymentChainsOf.ts";
export {
  type ChainConfig,
  chainConfigSchema,
  findRoute,
  type GatewayConfig,
  type GatewayEvmModelConfig,
  type GatewayModelConfig,
  type GatewaySolanaModelConfig,
  gatewayConfigSchema,
  gatewayEvmModelConfigSchema,
  gatewayModelConfigSchema,
  gatewaySolanaModelConfigSchema,
  type ProbingConfig,
  type ProtocolNames,
  type ProtocolNetwork,
  probingConfigSchema,
  type RouteConfig,
  type StageConfig,
  type StageConfigInput,
  stageConfigSchema,
} from "./config/stageConfig.ts";
export { SlabridgeError, type SlabridgeErrorOptions } from "./errors/SlabridgeError.ts";
export { REDACTED, scrubSecrets } from "./errors/scrubSecrets.ts";
export { bytesToHex, type Hex, hexToBytes, isHex } from "./hex/hex.ts";
export { keccak256 } from "./hex/keccak256.ts";
export { ALREADY_DONE_REVERTS, AlreadyDoneAtDestinationError } from "./jobs/AlreadyDoneAtDestinationError.ts";
export { ClaimHeldError } from "./jobs/ClaimHeldError.ts";
export {
  type ChainClock,
  createEpochReceiptJobs,
  type EpochReceiptJobsWorld,
  type JobIntake,
} from "./jobs/createEpochReceiptJobs.ts";
export { jobIds } from "./jobs/jobIds.ts";
export { type JobRecordFields, jobRecordIssue } from "./jobs/jobRecordIssue.ts";
export {
  assertTransition,
  DEFAULT_RETRY_POLICY,
  IllegalTransitionError,
  LEGAL_TRANSITIONS,
  nextRetryDelay,
  type RetryPolicy,
} from "./jobs/jobTransitions.ts";
export type {
  ConfirmedJob,
  DeadLetteredJob,
  FailedJob,
  FinalizedJob,
  Job,
  JobBase,
  JobKind,
  JobSource,
  JobStatus,
  ObservedJob,
  PayoutClaim,
  SubmittedJob,
  TransportName,
} from "./jobs/jobTypes.ts";
export { LeaseHeldError } from "./jobs/LeaseHeldError.ts";
export { NotReadyError } from "./jobs/NotReadyError.ts";
export {
  hashPair,
  type Payment,
  paymentLeaf,
  paymentSchema,
  paymentsProof,
  paymentsProofs,
  paymentsRoot,
  verifyPaymentProof,
  ZERO_BYTES32,
} from "./merkle/paymentsMerkle.ts";
export type {
  ChainAdapter,
  ChainWatchResult,
  InboundMessage,
  SettlementJobRef,
  SignerBalance,
} from "./ports/ChainAdapter.ts";
export type {
  ChainStatusReader,
  EpochBondView,
  EpochMoneyQuery,
  EpochMoneyView,
  EpochSettlementQuery,
  EpochSettlementReader,
  EpochSettlementView,
  EvmSettlementView,
  EvmTransferView,
  HomeChainStatusReader,
  SentMessageView,
  SolanaSettlementTransfer,
  SolanaSettlementView,
  VerdictView,
} from "./ports/ChainStatusReader.ts";
export {
  type EscrowVerdicts,
  epochAt,
  epochEndMs,
  type HomeChain,
  type ModelClock,
  type ReportSignature,
  type SubmitReportResult,
  VerdictAlreadyPublishedError,
  VerdictAwaitsReceiptsError,
} from "./ports/HomeChain.ts";
export type { JobRun, JobWorker, JobWorkers, WorkerJobKind } from "./ports/JobWorker.ts";
export { MemorySvmVoucherCheckpointStore } from "./ports/MemorySvmVoucherCheckpointStore.ts";
export { MemoryVoucherCheckpointStore } from "./ports/MemoryVoucherCheckpointStore.ts";
export type {
  ChainNetting,
  ChainNettingStatus,
  NetPayment,
  NetPayout,
  NettingPayer,
  NettingPayResult,
  NettingStepVault,
  NettingVault,
  VaultHooks,
  VaultStepResult,
} from "./ports/NettingVault.ts";
export {
  InvalidNettingRoundError,
  NettingTransactionRevertedError,
  NettingVaultNotReadyError,
} from "./ports/nettingErrors.ts";
export type { PayoutPublisher, PayoutStatus } from "./ports/PayoutPublisher.ts";
export type { PaymentRecord, PaymentStore, RecordPaymentResult } from "./ports/paymentStore.ts";
export type {
  Clock,
  CreateJobResult,
  Cursor,
  CursorCheckpoint,
  CursorStore,
  DeliveryStatus,
  JobStore,
  MessageRef,
  NonceStore,
  Quote,
  Transport,
} from "./ports/ports.ts";
export type { ReceiptProgress, ReceiptSource } from "./ports/ReceiptSource.ts";
export type { RecordedVerdict } from "./ports/RecordedVerdict.ts";
export type { SendLease, SendLeaseState, SendLeaseStore } from "./ports/SendLeaseStore.ts";
export type { SettlementState, SettlementTarget } from "./ports/SettlementTarget.ts";
export {
  type ChainStablecoinLedger,
  combineStablecoinLedgers,
  type StablecoinLedgerReader,
} from "./ports/StablecoinLedgerReader.ts";
export type { SvmVoucherCheckpoint, SvmVoucherCheckpointStore } from "./ports/SvmVoucherCheckpoints.ts";
export { type RecordSampleResult, type SampleRecord, type SampleStore, sampleIdOf } from "./ports/sampleStore.ts";
export {
  MemoryUsageReceiptStore,
  type SignedUsageReceipt,
  STREAM_PAYMENT_EVENT,
  signedUsageReceiptJsonSchema,
  USAGE_RECEIPT_DOMAIN,
  USAGE_RECEIPT_HEADER,
  USAGE_RECEIPT_TYPE,
  type UsageReceipt,
  type UsageReceiptStore,
  usageReceiptDigest,
  usageReceiptJson,
  usageReceiptOfHeader,
  usageRecordOf,
} from "./ports/UsageReceipts.ts";
export type { ChainVerdict, VerdictSource } from "./ports/VerdictSource.ts";
export type {
  VoucherChannelConfig,
  VoucherCheckpoint,
  VoucherCheckpointStore,
} from "./ports/VoucherCheckpoints.ts";
export {
  assertPayeeTable,
  type ChainSupply,
  type ConservationInput,
  type ConservationReport,
  checkConservation,
  type EpochRelease,
  type HolderBalance,
  type InFlightTransfer,
  InvalidNettingInputError,
  InvalidTopUpInputError,
  type NettingPlan,
  type PaidOutEvent,
  type PayeeShare,
  payoutDustIndex,
  planNetting,
  type ReleaseFromPayouts,
  releaseFromPayouts,
  type SettlementPayee,
  settlePositions,
  splitRelease,
  topUpShares,
  type VaultPayout,
  type VaultPosition,
  type VaultTransfer,
} from "./settlement/index.ts";
export {
  type PrecomputedPublicKey,
  precomputedPublicKey,
  recoveryBitOf,
} from "./signatures/secp256k1Verify.ts";
export {
  type EvaluateEpochInput,
  effectiveLatencyMs,
  evaluateEpoch,
  InsufficientObservationsError,
  InvalidSlaInputError,
  LATENCY_SKETCH_RELATIVE_ACCURACY,
  LatencySketch,
  MAX_PROBE_TIMEOUT_MS,
  type PaidBucket,
  type ProbeSample,
  paidBuckets,
  pickRefundBps,
  type RefundInputs,
  type RefundTier,
  reachedInTime,
  SAMPLE_SET_TYPE,
  type SampleSetClaim,
  type SampleSetDomain,
  type SlaReport,
  type SlaTerms,
  sampleLeaf,
  sampleSetDigest,
  samplesRoot,
  type UptimeOptions,
  type UptimeResult,
  type UsageRecord,
  uptimeByBuckets,
  usageRecordLeaf,
  usageRecordsRoot,
} from "./sla/index.ts";
