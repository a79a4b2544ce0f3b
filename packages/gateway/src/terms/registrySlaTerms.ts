import { modelRegistryAbi } from "@slabridge/contracts";
import type { SlaTerms } from "@slabridge/core";
import type { Address, PublicClient } from "viem";
import type { SlaTermsSource } from "./SlaTermsCache.ts";

/**
 * The home chain's ModelRegistry as a {@link SlaTermsSource}: `slaTermsAt(modelId, epoch)`, the terms in force in an
 * epoch (an owner's change takes effect from a later epoch). Give `client` a short timeout and no retries: a 402 may
 * wait for this read.
 *
 * @example const source = registrySlaTerms({ client: createEvmChainClient({ ..., timeoutMs: 3_000, retryCount: 0 }), registry });
 */
export function registrySlaTerms(options: {
  readonly client: PublicClient;
  readonly registry: Address;
}): SlaTermsSource {
  return {
    termsAt: async (modelId, epoch): Promise<SlaTerms> =>
      options.client.readContract({
        address: options.registry,
        abi: modelRegistryAbi,
        functionName: "slaTermsAt",
        args: [modelId, epoch],
      }),
  };
}
