import { escrowAbi } from "@slabridge/contracts";
import { type Address, encodeFunctionData } from "viem";
import type { EvmTxRequest } from "../sender/EvmSender.ts";

type EscrowTx = EvmTxRequest & { data: `0x${string}`; value: bigint };

/**
 * `Escrow.fundTopUp(modelId, epoch)`: pulls a verdict's bond top-up, exactly once, from the escrow's top-up funder
 * (this chain's netting vault, which approved the escrow and advances the top-up). Anyone may send it.
 *
 * @example await sender.send(buildFundTopUpTx({ escrow, modelId: 1n, epoch: 42n }));
 */
export function buildFundTopUpTx(p: { escrow: Address; modelId: bigint; epoch: bigint }): EscrowTx {
  return {
    to: p.escrow,
    data: encodeFunctionData({ abi: escrowAbi, functionName: "fundTopUp", args: [p.modelId, p.epoch] }),
    value: 0n,
    abi: escrowAbi,
  };
}

/**
 * `Escrow.refundTopUp(modelId, epoch, maxPayments)`: gives the next `maxPayments` payments their share of a funded
 * top-up (the escrow's own cursor: never the same payment twice).
 *
 * @example await sender.send(buildRefundTopUpTx({ escrow, modelId: 1n, epoch: 42n, maxPayments: 100n }));
 */
export function buildRefundTopUpTx(p: {
  escrow: Address;
  modelId: bigint;
  epoch: bigint;
  maxPayments: bigint;
}): EscrowTx {
  return {
    to: p.escrow,
    data: encodeFunctionData({
      abi: escrowAbi,
      functionName: "refundTopUp",
      args: [p.modelId, p.epoch, p.maxPayments],
    }),
    value: 0n,
    abi: escrowAbi,
  };
}
