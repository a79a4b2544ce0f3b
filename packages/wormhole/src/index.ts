// @slabridge/wormhole: the Wormhole transport: find published messages, fetch and verify VAAs, deliver each once.

export { decodeMessengerRevert, receiveVaaAbi } from "./decodeMessengerRevert.ts";
export type { EvmCall, EvmSubmission, EvmSubmitter } from "./EvmSubmitter.ts";
export { AlreadyDeliveredError } from "./errors/AlreadyDeliveredError.ts";
export { ForgedVaaError, type ForgedVaaReason } from "./errors/ForgedVaaError.ts";
export { GuardianApiError } from "./errors/GuardianApiError.ts";
export { GuardianApiUnavailableError } from "./errors/GuardianApiUnavailableError.ts";
export { MalformedPayloadError } from "./errors/MalformedPayloadError.ts";
export { MessengerRevertedError } from "./errors/MessengerRevertedError.ts";
export { UntrustedEmitterError } from "./errors/UntrustedEmitterError.ts";
export { VaaNotYetAvailableError } from "./errors/VaaNotYetAvailableError.ts";
export { WormholeConfigError } from "./errors/WormholeConfigError.ts";
export { WormholeRpcError } from "./errors/WormholeRpcError.ts";
export { WrongDestinationError } from "./errors/WrongDestinationError.ts";
export { type BackoffOptions, GuardianApiClient, type GuardianApiClientOptions } from "./GuardianApiClient.ts";
export { GuardianSetCache, type GuardianSetCacheOptions } from "./GuardianSetCache.ts";
export { splitVaa, type VaaParts } from "./splitVaa.ts";
export { formatVaaId, parseVaaId, type VaaId } from "./vaaId.ts";
export { type GuardianSet, quorum, type VerifiedVaa, type VerifyVaaOptions, verifyVaa } from "./verifyVaa.ts";
export { type VerifyVaaForSolanaOptions, verifyVaaForSolana } from "./verifyVaaForSolana.ts";
export {
  type Redemption,
  type WormholeChainConfig,
  WormholeTransport,
  type WormholeTransportConfig,
} from "./WormholeTransport.ts";
export { type WormholeBookEntry, wormholeChainOf } from "./wormholeChainOf.ts";
export { wormholeCoreAbi } from "./wormholeCoreAbi.ts";

// Names Wormhole messages for the status read model's EVM reader.
export { type WormholeSentMessageOptions, wormholeSentMessage } from "./wormholeSentMessage.ts";
