// @slabridge/store: DynamoDB implementations of core's store ports, and in-memory twins with the same semantics.

export { DynamoChannelRecordStore } from "./channels/DynamoChannelRecordStore.ts";
export { DynamoSvmChannelStore, SVM_CHANNEL_KEY_PREFIX } from "./channels/DynamoSvmChannelStore.ts";
export { DynamoSvmVoucherCheckpointStore } from "./checkpoints/DynamoSvmVoucherCheckpointStore.ts";
export { DynamoVoucherCheckpointStore } from "./checkpoints/DynamoVoucherCheckpointStore.ts";
export { type CreateStoresOptions, createStores, type DynamoStores } from "./dynamo/createStores.ts";
export { DynamoCursorStore } from "./dynamo/DynamoCursorStore.ts";
export { DynamoJobStore } from "./dynamo/DynamoJobStore.ts";
export { DynamoNonceStore } from "./dynamo/DynamoNonceStore.ts";
export { DynamoPaymentStore } from "./dynamo/DynamoPaymentStore.ts";
export { DynamoSendLeaseStore } from "./dynamo/DynamoSendLeaseStore.ts";
export type { DynamoStoreConfig } from "./dynamo/DynamoStoreConfig.ts";
export { translateAwsError } from "./dynamo/translateAwsError.ts";
export { ConflictingRecordError } from "./errors/ConflictingRecordError.ts";
export { CorruptRecordError } from "./errors/CorruptRecordError.ts";
export { InvalidStoreInputError } from "./errors/InvalidStoreInputError.ts";
export { StoreRequestError } from "./errors/StoreRequestError.ts";
export { StoreUnavailableError } from "./errors/StoreUnavailableError.ts";
export { createMemoryStores, type MemoryStores } from "./memory/createMemoryStores.ts";
export { MemoryCursorStore } from "./memory/MemoryCursorStore.ts";
export { MemoryJobStore } from "./memory/MemoryJobStore.ts";
export { MemoryNonceStore } from "./memory/MemoryNonceStore.ts";
export { MemoryPaymentStore } from "./memory/MemoryPaymentStore.ts";
export { MemorySendLeaseStore } from "./memory/MemorySendLeaseStore.ts";
export { DynamoSampleStore } from "./samples/DynamoSampleStore.ts";
export { MemorySampleStore } from "./samples/MemorySampleStore.ts";
export { systemClock } from "./systemClock.ts";
export { DynamoUsageReceiptStore } from "./usage/DynamoUsageReceiptStore.ts";
