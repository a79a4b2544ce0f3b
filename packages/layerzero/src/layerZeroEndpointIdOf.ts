import {
  ChainType,
  EndpointId,
  EndpointVersion,
  endpointIdToChainType,
  endpointIdToStage,
  endpointIdToVersion,
  Stage,
} from "@layerzerolabs/lz-definitions";
import type { ChainConfig, ProtocolNetwork } from "@slabridge/core";
import { LayerZeroConfigError } from "./errors/LayerZeroConfigError.ts";

const stageOfNetwork = { testnet: Stage.TESTNET, mainnet: Stage.MAINNET } as const satisfies Record<
  ProtocolNetwork,
  Stage
>;
const chainTypeOfFamily = { evm: ChainType.EVM, solana: ChainType.SOLANA } as const satisfies Record<
  ChainConfig["family"],
  ChainType
>;

/**
 * A chain's LayerZero V2 endpoint id, looked up in LayerZero's own address book (`EndpointId` of
 * `@layerzerolabs/lz-definitions`) by the name the stage config gives it (`protocols.layerZero`). Throws
 * {@link LayerZeroConfigError} for a name the book lacks, a V1 endpoint, another network's endpoint, or an endpoint
 * of another chain family. The book has no EVM chain ids, so it cannot tell two EVM testnets' names apart: the stage
 * config's tests pin those.
 *
 * @example layerZeroEndpointIdOf(config.chains[0], "testnet") // 40161 for protocols.layerZero SEPOLIA_V2_TESTNET
 */
export function layerZeroEndpointIdOf(chain: ChainConfig, network: ProtocolNetwork): number {
  const name = chain.protocols?.layerZero;
  if (name === undefined) throw new LayerZeroConfigError(`chain ${chain.name} has no protocols.layerZero name`);
  // A TypeScript numeric enum maps numbers back to names too: only own string keys with a number are endpoint names.
  const eid: unknown = Object.hasOwn(EndpointId, name) ? EndpointId[name as keyof typeof EndpointId] : undefined;
  if (typeof eid !== "number") {
    throw new LayerZeroConfigError(`chain ${chain.name}: ${name} is not a LayerZero endpoint id name`);
  }
  if (endpointIdToVersion(eid) !== EndpointVersion.V2) {
    throw new LayerZeroConfigError(`chain ${chain.name}: ${name} (${eid}) is not a LayerZero V2 endpoint`);
  }
  if (endpointIdToStage(eid) !== stageOfNetwork[network]) {
    throw new LayerZeroConfigError(`chain ${chain.name}: ${name} (${eid}) is not a ${network} endpoint`);
  }
  if (endpointIdToChainType(eid) !== chainTypeOfFamily[chain.family]) {
    throw new LayerZeroConfigError(
      `chain ${chain.name}: ${name} (${eid}) is an endpoint of another chain family than ${chain.family}`,
    );
  }
  return eid;
}
