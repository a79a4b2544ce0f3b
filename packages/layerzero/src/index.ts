// @slabridge/layerzero: slabridge's LayerZero V2 transport (core's Transport port) and the helpers around it.

export { endpointV2Abi } from "./abis/endpointV2Abi.ts";
export { oAppReceiverAbi } from "./abis/oAppReceiverAbi.ts";
export { receiveUln302Abi } from "./abis/receiveUln302Abi.ts";
export { slabridgeErrorsAbi } from "./abis/slabridgeErrorsAbi.ts";
export { type DecodedRevert, decodeRevert } from "./decodeRevert.ts";
export type { EvmSubmitter, EvmTransactionOutcome, EvmTransactionRequest } from "./EvmSubmitter.ts";
export { EarlierNonceNotCommittedError } from "./errors/EarlierNonceNotCommittedError.ts";
export { LayerZeroConfigError } from "./errors/LayerZeroConfigError.ts";
export { LayerZeroRpcError } from "./errors/LayerZeroRpcError.ts";
export { LzReceiveRevertedError } from "./errors/LzReceiveRevertedError.ts";
export { NotFinalYetError } from "./errors/NotFinalYetError.ts";
export { PacketNotFoundError } from "./errors/PacketNotFoundError.ts";
export { PacketRefusedError } from "./errors/PacketRefusedError.ts";
export { SourceTransactionNotFoundError } from "./errors/SourceTransactionNotFoundError.ts";
export { TransactionRevertedError } from "./errors/TransactionRevertedError.ts";
export {
  type LayerZeroChainConfig,
  type LayerZeroSigner,
  LayerZeroTransport,
  type LayerZeroTransportConfig,
  LZ_RECEIVE_OVERHEAD_GAS,
} from "./LayerZeroTransport.ts";
export {
  LAYERZERO_ADDRESS_BOOK,
  LAYERZERO_ADDRESS_BOOK_INSTALL,
  type LayerZeroAddressLookup,
  type LayerZeroProtocolContract,
  layerZeroAddressOf,
} from "./layerZeroAddressOf.ts";
export { layerZeroEndpointIdOf } from "./layerZeroEndpointIdOf.ts";
// Names LayerZero messages for the status read model's EVM reader.
export { layerZeroSentMessage } from "./layerZeroSentMessage.ts";
export { lzReceiveOptionOf } from "./lzReceiveOptionOf.ts";
export { lzReceiveOptions } from "./lzReceiveOptions.ts";
export { type SentPacket, sentPackets } from "./sentPackets.ts";
