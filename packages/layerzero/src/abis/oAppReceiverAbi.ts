import { parseAbi } from "viem";

/**
 * An OApp's receive entry point (`OAppReceiver.lzReceive`), which only the endpoint may call. The transport
 * simulates it with the endpoint as caller to learn whether the receiver takes a packet (peer check, message
 * handling) before spending gas on verification.
 *
 * @example
 * ```ts
 * await client.call({ account: endpointV2, to: receiver, data: encodeFunctionData({ abi: oAppReceiverAbi, functionName: "lzReceive", args }) });
 * ```
 */
export const oAppReceiverAbi = parseAbi([
  "struct Origin { uint32 srcEid; bytes32 sender; uint64 nonce; }",
  "function lzReceive(Origin origin, bytes32 guid, bytes message, address executor, bytes extraData) payable",
]);
