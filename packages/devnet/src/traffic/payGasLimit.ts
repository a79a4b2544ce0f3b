import { escrowAbi } from "@slabridge/contracts";
import type { Address, Chain, PublicClient, Transport } from "viem";

/**
 * Gas a payment may need beyond its estimate: the estimate runs against the latest block, but the payment can be
 * mined in the next epoch, where its epoch record (`paid`, `count`) is written for the first time. That is a
 * zero-to-nonzero store (22,100 gas) instead of a nonzero-to-nonzero one (2,900), plus a cold slot read: 25,000
 * covers it with room to spare.
 */
const FRESH_EPOCH_RECORD_GAS = 25_000n;

/**
 * The gas limit for `Escrow.pay`: viem's estimate at the latest block plus {@link FRESH_EPOCH_RECORD_GAS}, so a
 * payment sent in one epoch's last second and mined in the next does not run out of gas.
 *
 * @example const gas = await payGasLimit(publicClient, { escrow, buyer, modelId: 2n, amount: 1_000n });
 */
export async function payGasLimit(
  publicClient: PublicClient<Transport, Chain>,
  payment: { escrow: Address; buyer: Address; modelId: bigint; amount: bigint },
): Promise<bigint> {
  const estimate = await publicClient.estimateContractGas({
    address: payment.escrow,
    abi: escrowAbi,
    functionName: "pay",
    args: [payment.modelId, payment.amount],
    account: payment.buyer,
  });
  return estimate + FRESH_EPOCH_RECORD_GAS;
}
