import type { x402Facilitator } from "@x402/core/facilitator";
import type { FacilitatorClient } from "@x402/core/server";
import type { Network, SupportedKind } from "@x402/core/types";

function isNetwork(value: string): value is Network {
  return /^[^:]+:.+$/.test(value);
}

/**
 * An in-process facilitator (`x402Facilitator` with the EVM batch-settlement facilitator scheme registered) seen as
 * the `FacilitatorClient` the resource server talks to, so slabridge can run the facilitator role itself without an
 * HTTP hop; a hosted facilitator is an `HTTPFacilitatorClient` instead.
 *
 * @example
 * const facilitator = localFacilitatorClient(new x402Facilitator().register("eip155:31337", new BatchSettlementEvmScheme(signer)));
 */
export function localFacilitatorClient(facilitator: x402Facilitator): FacilitatorClient {
  return {
    verify: (payload, requirements) => facilitator.verify(payload, requirements),
    settle: (payload, requirements) => facilitator.settle(payload, requirements),
    getSupported: async () => {
      const supported = facilitator.getSupported();
      const kinds: SupportedKind[] = [];
      for (const kind of supported.kinds) {
        // The facilitator registers CAIP-2 networks only; anything else is not a kind a server can match.
        if (isNetwork(kind.network)) kinds.push({ ...kind, network: kind.network });
      }
      return { kinds, extensions: supported.extensions, signers: supported.signers };
    },
  };
}
