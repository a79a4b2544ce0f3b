import { wormholeMessengerAbi } from "@slabridge/contracts";
import { type Address, encodeFunctionData, type Hex } from "viem";
import type { EvmTxRequest } from "../sender/EvmSender.ts";

/**
 * `WormholeMessenger.receiveVaa(encodedVm)`: redeems a signed VAA on the destination (replay-protected by the VAA
 * hash: check `MessengerReader.delivered` first).
 *
 * @example await sender.send(buildReceiveVaaTx({ messenger, vaa }));
 */
export function buildReceiveVaaTx(p: {
  messenger: Address;
  vaa: Hex;
}): EvmTxRequest & { data: `0x${string}`; value: bigint } {
  return {
    to: p.messenger,
    data: encodeFunctionData({ abi: wormholeMessengerAbi, functionName: "receiveVaa", args: [p.vaa] }),
    value: 0n,
    abi: wormholeMessengerAbi,
  };
}
