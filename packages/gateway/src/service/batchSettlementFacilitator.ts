import { x402Facilitator } from "@x402/core/facilitator";
import { BatchSettlementEvmScheme } from "@x402/evm/batch-settlement/facilitator";
import { SlabridgeSvmBatchFacilitatorScheme } from "../svm/SlabridgeSvmBatchFacilitatorScheme.ts";
import { type RpcFacilitatorSignerOptions, rpcFacilitatorSigner } from "./rpcFacilitatorSigner.ts";

/**
 * The SDK facilitator with `@x402/evm`'s batch-settlement scheme on each chain, each signing over its RPC URL
 * ({@link rpcFacilitatorSigner}). It has no receiverAuthorizer key: slabridge's receivers (SlaReceiver contracts)
 * authorize their own claims, so it advertises none. Each of `svmNetworks` (`solana:<cluster id>`) gets slabridge's SVM
 * scheme, which only makes the kind supported: the gateway checks and charges Solana vouchers itself.
 *
 * @example
 * const facilitator = batchSettlementFacilitator([{ chainId: 31337, rpcUrl: "http://127.0.0.1:8545", account: relayer }],
 *   ["solana:slabridge-devnet"]);
 */
export function batchSettlementFacilitator(
  chains: readonly RpcFacilitatorSignerOptions[],
  svmNetworks: readonly `solana:${string}`[] = [],
): x402Facilitator {
  const facilitator = new x402Facilitator();
  for (const chain of chains) {
    facilitator.register(`eip155:${chain.chainId}`, new BatchSettlementEvmScheme(rpcFacilitatorSigner(chain)));
  }
  const svm = [...new Set(svmNetworks)];
  if (svm.length > 0) facilitator.register(svm, new SlabridgeSvmBatchFacilitatorScheme());
  return facilitator;
}
