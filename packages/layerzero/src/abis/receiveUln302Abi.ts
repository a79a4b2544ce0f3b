import { parseAbi } from "viem";

/**
 * The part of LayerZero's ReceiveUln302 a DVN and an executor use: the pathway's ULN config, the DVN's recorded
 * verification (`hashLookup`), whether enough DVNs verified (`verifiable`), `verify` and `commitVerification`.
 *
 * @example
 * ```ts
 * const config = await client.readContract({ address: uln, abi: receiveUln302Abi, functionName: "getUlnConfig", args: [receiver, srcEid] });
 * ```
 */
export const receiveUln302Abi = parseAbi([
  "struct UlnConfig { uint64 confirmations; uint8 requiredDVNCount; uint8 optionalDVNCount; uint8 optionalDVNThreshold; address[] requiredDVNs; address[] optionalDVNs; }",
  "function getUlnConfig(address oapp, uint32 remoteEid) view returns (UlnConfig)",
  "function hashLookup(bytes32 headerHash, bytes32 payloadHash, address dvn) view returns (bool submitted, uint64 confirmations)",
  "function verifiable(UlnConfig config, bytes32 headerHash, bytes32 payloadHash) view returns (bool)",
  "function verify(bytes packetHeader, bytes32 payloadHash, uint64 confirmations)",
  "function commitVerification(bytes packetHeader, bytes32 payloadHash)",
  "error LZ_ULN_InvalidPacketHeader()",
  "error LZ_ULN_InvalidPacketVersion()",
  "error LZ_ULN_InvalidEid()",
  "error LZ_ULN_Verifying()",
  "error LZ_ULN_InvalidConfirmations()",
  "error LZ_ULN_UnsupportedEid(uint32 eid)",
]);
