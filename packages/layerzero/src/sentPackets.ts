import { PacketV1Codec } from "@layerzerolabs/lz-v2-utilities";
import { type Address, getAddress, type Hex, isAddressEqual, parseEventLogs, type TransactionReceipt } from "viem";
import { endpointV2Abi } from "./abis/endpointV2Abi.ts";

/** A packet read from a source endpoint's `PacketSent` log, decoded with PacketV1Codec. */
export interface SentPacket {
  srcEid: number;
  dstEid: number;
  nonce: bigint;
  /** Sender OApp as lowercase bytes32 (the form the destination endpoint keys on). */
  sender: Hex;
  /** Receiver OApp (the low 20 bytes of the packet's bytes32 receiver). */
  receiver: Address;
  guid: Hex;
  message: Hex;
  /** The 81-byte packet header DVNs verify. */
  header: Hex;
  headerHash: Hex;
  /** keccak256(guid || message). */
  payloadHash: Hex;
  /** The OApp's type-3 options (executor lzReceive gas and value). */
  options: Hex;
  transactionHash: Hex;
  blockNumber: bigint;
}

const EVM_RECEIVER = /^0x0{24}[0-9a-f]{40}$/;

/**
 * The packets an endpoint emitted in a transaction: every `PacketSent` log of `endpointV2` in the receipt, decoded.
 * Packets whose receiver is not a 20-byte EVM address (e.g. to Solana) are skipped: an EVM executor cannot run them.
 *
 * @example
 * ```ts
 * const [packet] = sentPackets(receipt, "0xEndpointV2…");
 * packet?.guid; // the MessageRef's messageId
 * ```
 */
export function sentPackets(receipt: TransactionReceipt, endpointV2: Address): SentPacket[] {
  const logs = parseEventLogs({ abi: endpointV2Abi, eventName: "PacketSent", logs: receipt.logs, strict: true });
  const packets: SentPacket[] = [];
  for (const log of logs) {
    // Anyone can emit an event named PacketSent; only the endpoint's own logs are packets.
    if (!isAddressEqual(log.address, endpointV2)) continue;
    const codec = PacketV1Codec.from(log.args.encodedPayload);
    const receiver = codec.receiver().toLowerCase();
    if (!EVM_RECEIVER.test(receiver)) continue;
    packets.push({
      srcEid: codec.srcEid(),
      dstEid: codec.dstEid(),
      nonce: BigInt(codec.nonce()),
      sender: codec.sender().toLowerCase() as Hex,
      receiver: getAddress(`0x${receiver.slice(-40)}`),
      guid: codec.guid().toLowerCase() as Hex,
      message: codec.message() as Hex,
      header: codec.header() as Hex,
      headerHash: codec.headerHash() as Hex,
      payloadHash: codec.payloadHash() as Hex,
      options: log.args.options,
      transactionHash: receipt.transactionHash,
      blockNumber: receipt.blockNumber,
    });
  }
  return packets;
}
