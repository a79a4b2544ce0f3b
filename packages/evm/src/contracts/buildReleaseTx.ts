import { escrowAbi } from "@slabridge/contracts";
import { type Address, encodeFunctionData } from "viem";
import type { EvmTxRequest } from "../sender/EvmSender.ts";

/**
 * `Escrow.release(modelId, epoch)`: releases what a settled epoch did not refund (reverts `AlreadyReleased` the
 * second time, which the relay reads as "done").
 *
 * @example await sender.send(buildReleaseTx({ escrow, modelId: 1n, epoch: 42n }));
 */
export function buildReleaseTx(p: {
  escrow: Address;
  modelId: bigint;
  epoch: bigint;
}): EvmTxRequest & { data: `0x${string}`; value: bigint } {
  return {
    to: p.escrow,
    data: encodeFunctionData({ abi: escrowAbi, functionName: "release", args: [p.modelId, p.epoch] }),
    value: 0n,
    abi: escrowAbi,
  };
}
