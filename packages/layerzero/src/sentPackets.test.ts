import { PacketV1Codec } from "@layerzerolabs/lz-v2-utilities";
import {
  type Address,
  encodeAbiParameters,
  encodeEventTopics,
  getAddress,
  type Log,
  pad,
  type TransactionReceipt,
} from "viem";
import { describe, expect, it } from "vitest";
import { endpointV2Abi } from "./abis/endpointV2Abi.ts";
import { lzReceiveOptions } from "./lzReceiveOptions.ts";
import { sentPackets } from "./sentPackets.ts";

const ENDPOINT: Address = "0x1a44076050125825900e736c501f859c50fE728c";
const OTHER: Address = "0x00000000000000000000000000000000000000aa";
const RECEIVER: Address = "0x00000000000000000000000000000000000000bB";
const GUID = `0x${"11".repeat(32)}` as const;

function packetSentLog(address: Address, receiver: string): Log {
  const encodedPayload = PacketV1Codec.encode({
    version: 1,
    nonce: "7",
    srcEid: 40245,
    sender: pad("0x00000000000000000000000000000000000000cc"),
    dstEid: 40161,
    receiver,
    guid: GUID,
    message: "0x0101",
    payload: `${GUID}0101`,
  });
  return {
    address,
    topics: encodeEventTopics({ abi: endpointV2Abi, eventName: "PacketSent" }) as Log["topics"],
    data: encodeAbiParameters(
      [{ type: "bytes" }, { type: "bytes" }, { type: "address" }],
      [encodedPayload as `0x${string}`, lzReceiveOptions(100_000n), OTHER],
    ),
    blockHash: `0x${"22".repeat(32)}`,
    blockNumber: 12n,
    logIndex: 0,
    transactionHash: `0x${"33".repeat(32)}`,
    transactionIndex: 0,
    removed: false,
  };
}

function receipt(logs: Log[]): TransactionReceipt {
  return { logs, transactionHash: `0x${"33".repeat(32)}`, blockNumber: 12n } as unknown as TransactionReceipt;
}

describe("sentPackets", () => {
  it("decodes the endpoint's PacketSent logs with PacketV1Codec", () => {
    const [packet, ...rest] = sentPackets(receipt([packetSentLog(ENDPOINT, pad(RECEIVER))]), ENDPOINT);
    expect(rest).toEqual([]);
    expect(packet).toMatchObject({
      srcEid: 40245,
      dstEid: 40161,
      nonce: 7n,
      receiver: getAddress(RECEIVER),
      guid: GUID,
      message: "0x0101",
      blockNumber: 12n,
    });
    expect(packet?.header).toHaveLength(2 + 81 * 2);
  });

  it("ignores look-alike logs from other contracts and non-EVM receivers", () => {
    expect(sentPackets(receipt([packetSentLog(OTHER, pad(RECEIVER))]), ENDPOINT)).toEqual([]);
    expect(sentPackets(receipt([packetSentLog(ENDPOINT, `0x${"ab".repeat(32)}`)]), ENDPOINT)).toEqual([]);
  });
});
