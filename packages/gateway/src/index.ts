// @slabridge/gateway: the x402 resource server in front of a model host (EVM batch-settlement). No AWS SDK inside.

// The SDK's channel record, re-exported so store adapters need not depend on @x402/evm themselves.
export type { Channel, ChannelStorage } from "@x402/evm/batch-settlement/server";
export type { ChannelRecordStore, VersionedChannel } from "./channels/ChannelRecordStore.ts";
export { ChannelWriteConflictError } from "./channels/ChannelWriteConflictError.ts";
export { channelSchema } from "./channels/channelSchema.ts";
export {
  contractReceiverAuthorizer,
  InvalidRefundRequestError,
  ReceiverContractSignsItselfError,
} from "./channels/contractReceiverAuthorizer.ts";
export { MemoryChannelRecordStore } from "./channels/MemoryChannelRecordStore.ts";
export { RefundRefusedError } from "./channels/refundWithoutClaim.ts";
export { VersionedChannelStorage } from "./channels/VersionedChannelStorage.ts";
export { chargeFor, type TokenUsage } from "./config/chargeFor.ts";
export {
  type GatewayEvmModel,
  type GatewayEvmModelInput,
  type GatewayModel,
  type GatewayModelInput,
  type GatewaySvmModel,
  type GatewaySvmModelInput,
  gatewayEvmModelSchema,
  gatewayModelSchema,
  gatewaySvmModelSchema,
  isSvmModel,
  rateLimitSchema,
} from "./config/GatewayModel.ts";
export {
  CHANNEL_WITHDRAWAL_PENDING,
  createGateway,
  type Gateway,
  type GatewayOptions,
  MODEL_PAUSE_TTL_MS,
  type ModelPauses,
} from "./createGateway.ts";
export {
  HostFailedError,
  type HostFailureKind,
  InvalidFacilitatorRequestError,
  MalformedPaymentSignatureError,
  MethodNotAllowedError,
  ModelPausedError,
  OversizedPaymentSignatureError,
  RateLimitedError,
  RateLimitUnavailableError,
  RequestTooLargeError,
  UnknownFacilitatorRouteError,
  UnknownModelError,
} from "./errors/errors.ts";
export { GatewayError, type GatewayErrorOptions } from "./errors/GatewayError.ts";
export { InvalidGatewayConfigError } from "./errors/InvalidGatewayConfigError.ts";
export { DEFAULT_MAX_PAYMENT_SIGNATURE_BYTES } from "./http/checkPaymentSignature.ts";
export { createFacilitatorHandler, type FacilitatorHandlerOptions } from "./http/facilitatorHandler.ts";
export { localFacilitatorClient } from "./http/localFacilitatorClient.ts";
export { type LoopbackServer, serveOnLoopback } from "./node/serveOnLoopback.ts";
export {
  lastTokenOffsetMs,
  type RateLimitDecision,
  type RateLimiter,
  refillIntervalMs,
  type TokenBucketTerms,
  takeFromBucket,
} from "./rateLimit/RateLimiter.ts";
export { TokenBucketRateLimiter } from "./rateLimit/TokenBucketRateLimiter.ts";
export { InvalidReceiptError } from "./receipts/InvalidReceiptError.ts";
export {
  encodeUsageReceipt,
  type ReceiptSigner,
  type SignedUsageReceipt,
  signUsageReceipt,
  USAGE_RECEIPT_HEADER,
  type UsageReceipt,
  usageReceiptDomain,
  usageReceiptTypes,
  type VerifyUsageReceiptOptions,
  verifyUsageReceipt,
} from "./receipts/usageReceipt.ts";
export { batchSettlementFacilitator } from "./service/batchSettlementFacilitator.ts";
export {
  createGatewayService,
  GatewayNotConfiguredError,
  type GatewayServiceOptions,
} from "./service/createGatewayService.ts";
export { type RpcFacilitatorSignerOptions, rpcFacilitatorSigner } from "./service/rpcFacilitatorSigner.ts";
export {
  SlabridgeSvmBatchClientScheme,
  type SlabridgeSvmBatchClientSchemeOptions,
} from "./svm/SlabridgeSvmBatchClientScheme.ts";
export {
  SlabridgeSvmBatchFacilitatorScheme,
  SVM_VOUCHERS_VERIFIED_BY_RESOURCE_SERVER,
} from "./svm/SlabridgeSvmBatchFacilitatorScheme.ts";
export {
  type ChainPulledAmountsOptions,
  chainPulledAmounts,
  SlabridgeSvmBatchServerScheme,
  type SlabridgeSvmBatchServerSchemeOptions,
  type SvmPulledAmount,
} from "./svm/SlabridgeSvmBatchServerScheme.ts";
export {
  MemorySvmChannelStore,
  type SvmChannelRecord,
  type SvmChannelStore,
  type SvmChannelUpdate,
  updateSvmChannel,
  type VersionedSvmChannel,
} from "./svm/SvmChannelStore.ts";
export { SvmClientError, type SvmClientErrorReason } from "./svm/SvmClientError.ts";
export {
  SVM_BATCH_SCHEME,
  SvmBatchError,
  type SvmVoucherPayload,
  svmChannelExtraSchema,
  svmChannelStateSchema,
  svmPayerOf,
  svmVoucherPayloadSchema,
} from "./svm/svmPayload.ts";
export { SLA_TERMS_RETRY_MS, type SlaTermsSource } from "./terms/SlaTermsCache.ts";
