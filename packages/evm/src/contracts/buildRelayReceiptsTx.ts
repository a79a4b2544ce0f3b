import { escrowAbi } from "@slabridge/contracts";
import { type Address, encodeFunctionData } from "viem";
import type { EvmTxRequest } from "../sender/EvmSender.ts";

/**
 * `Escrow.relayReceipts(modelId, epoch, maxPayments, messenger)`: sends the next receipt batch of (model, epoch)
 * home. `value` is the messenger's quote (the escrow pays exactly the quote and returns the change).
 *
 * @example
 * ```ts
 * const tx = buildRelayReceiptsTx({ escrow, modelId: 1n, epoch: 42n, maxPayments: 500, messenger, value: fee });
 * await sender.send(tx);
 * ```
 */
export function buildRelayReceiptsTx(p: {
  escrow: Address;
  modelId: bigint;
  epoch: bigint;
  maxPayments: number;
  messenger: Address;
  value: bigint;
}): EvmTxRequest & { data: `0x${string}`; value: bigint } {
  return {
    to: p.escrow,
    data: encodeFunctionData({
      abi: escrowAbi,
      functionName: "relayReceipts",
      args: [p.modelId, p.epoch, p.maxPayments, p.messenger],
    }),
    value: p.value,
    abi: escrowAbi,
  };
}
