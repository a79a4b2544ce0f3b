import { escrowAbi } from "@slabridge/contracts";
import { type Address, encodeFunctionData } from "viem";
import type { EvmTxRequest } from "../sender/EvmSender.ts";

/**
 * `Escrow.refund(modelId, epoch, maxPayments)`: refunds the next `maxPayments` payments of a settled epoch (the
 * escrow's cursor makes a repeated call refund the next ones, never the same twice).
 *
 * @example await sender.send(buildRefundTx({ escrow, modelId: 1n, epoch: 42n, maxPayments: 100n }));
 */
export function buildRefundTx(p: {
  escrow: Address;
  modelId: bigint;
  epoch: bigint;
  maxPayments: bigint;
}): EvmTxRequest & { data: `0x${string}`; value: bigint } {
  return {
    to: p.escrow,
    data: encodeFunctionData({ abi: escrowAbi, functionName: "refund", args: [p.modelId, p.epoch, p.maxPayments] }),
    value: 0n,
    abi: escrowAbi,
  };
}
