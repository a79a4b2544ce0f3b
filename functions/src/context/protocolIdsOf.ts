import { InvalidStageConfigError, type StageConfig } from "@slabridge/core";
import { LayerZeroConfigError, layerZeroEndpointIdOf } from "@slabridge/layerzero";
import { type WormholeBookEntry, WormholeConfigError, wormholeChainOf } from "@slabridge/wormhole";

/** A chain's ids as the protocols' own address books have them. */
export interface ChainProtocolIds {
  readonly layerZeroEid?: number;
  readonly wormhole?: WormholeBookEntry;
}

/**
 * Every chain's LayerZero endpoint id and Wormhole chain id and core bridge, by slabridge chain id, looked up in the
 * protocols' address books by the names the stage config gives (`protocols`, on the stage's `network`). A stage
 * without a network (the devnet deploys its own endpoints) has none. Throws {@link InvalidStageConfigError} naming
 * every name the books refuse, as the parser names its bad fields.
 *
 * @example protocolIdsOf(config).get(11155111) // { layerZeroEid: 40161, wormhole: { name: "Sepolia", chainId: 10002, … } }
 */
export function protocolIdsOf(config: StageConfig): ReadonlyMap<number, ChainProtocolIds> {
  const ids = new Map<number, ChainProtocolIds>();
  const { network } = config;
  if (network === undefined) return ids;
  const issues: string[] = [];
  const lookUp = <T>(path: string, look: () => T): T | undefined => {
    try {
      return look();
    } catch (error) {
      // The adapters' config errors say which name the books refuse; anything else is a bug, not bad config.
      if (!(error instanceof LayerZeroConfigError || error instanceof WormholeConfigError)) throw error;
      issues.push(`${path}: ${error.shortMessage}`);
      return undefined;
    }
  };
  config.chains.forEach((chain, i) => {
    const names = chain.protocols ?? {};
    const layerZeroEid =
      names.layerZero === undefined
        ? undefined
        : lookUp(`chains.${i}.protocols.layerZero`, () => layerZeroEndpointIdOf(chain, network));
    const wormhole =
      names.wormhole === undefined
        ? undefined
        : lookUp(`chains.${i}.protocols.wormhole`, () => wormholeChainOf(chain, network));
    ids.set(chain.chainId, {
      ...(layerZeroEid === undefined ? {} : { layerZeroEid }),
      ...(wormhole === undefined ? {} : { wormhole }),
    });
  });
  // Two chains on one endpoint would receive each other's messages: each id names one chain.
  for (const [key, idOf] of [
    ["layerZero", (chain: ChainProtocolIds) => chain.layerZeroEid],
    ["wormhole", (chain: ChainProtocolIds) => chain.wormhole?.chainId],
  ] as const) {
    const seen = new Map<number, number>();
    config.chains.forEach((chain, i) => {
      const id = idOf(ids.get(chain.chainId) ?? {});
      if (id === undefined) return;
      const first = seen.get(id);
      if (first !== undefined) issues.push(`chains.${i}.protocols.${key}: ${id} is chain ${first}'s too`);
      else seen.set(id, chain.chainId);
    });
  }
  if (issues.length > 0) throw new InvalidStageConfigError(issues);
  return ids;
}
