import { parseAbi } from "viem";

/**
 * The part of LayerZero's EndpointV2 the transport reads and calls (inbound state, lzReceive, PacketSent) and the
 * endpoint's errors, so reverts decode to their names.
 *
 * @example
 * ```ts
 * await client.readContract({ address: endpointV2, abi: endpointV2Abi, functionName: "lazyInboundNonce", args });
 * ```
 */
export const endpointV2Abi = parseAbi([
  "struct Origin { uint32 srcEid; bytes32 sender; uint64 nonce; }",
  "function inboundPayloadHash(address receiver, uint32 srcEid, bytes32 sender, uint64 nonce) view returns (bytes32)",
  "function lazyInboundNonce(address receiver, uint32 srcEid, bytes32 sender) view returns (uint64)",
  "function initializable(Origin origin, address receiver) view returns (bool)",
  "function lzReceive(Origin origin, address receiver, bytes32 guid, bytes message, bytes extraData) payable",
  "event PacketSent(bytes encodedPayload, bytes options, address sendLibrary)",
  "event PacketDelivered(Origin origin, address receiver)",
  "error LZ_InvalidReceiveLibrary()",
  "error LZ_InvalidNonce(uint64 nonce)",
  "error LZ_PathNotInitializable()",
  "error LZ_PathNotVerifiable()",
  "error LZ_InvalidPayloadHash()",
  "error LZ_PayloadHashNotFound(bytes32 expected, bytes32 actual)",
  "error LZ_InsufficientFee(uint256 requiredNative, uint256 suppliedNative, uint256 requiredLzToken, uint256 suppliedLzToken)",
]);
