import { modelRegistryAbi } from "@slabridge/contracts";
import { scrubSecrets } from "@slabridge/core";
import { readContractTyped } from "@slabridge/evm";
import type { StatusWorld } from "./buildStatusWorld.ts";
import { homeChainOf } from "./homeChainOf.ts";

/** SLA terms of an epoch as the registry holds them. */
export interface SlaTermsView {
  readonly maxP95LatencyMs: number;
  readonly minUptimeBps: number;
  readonly probeTimeoutMs: number;
  readonly latencyBreachRefundBps: number;
  readonly tiers: readonly { readonly uptimeBelowBps: number; readonly refundBps: number }[];
}

/** One listed model in `GET /models`. */
export interface ModelView {
  readonly modelId: bigint;
  readonly name: string;
  readonly homeChainId: number;
  /** The host the probers measure, from the home registry (`hostOf`). */
  readonly host: { readonly endpoint: string; readonly signer: string };
  readonly genesis: number;
  readonly epochSeconds: number;
  readonly pricePerRequest: bigint;
  readonly currentEpoch: bigint;
  /** Unix seconds at which the current epoch ends. */
  readonly currentEpochEndsAt: bigint;
  /** The SLA terms in force in the current epoch. */
  readonly sla: SlaTermsView;
}

/**
 * Every model of the deployment manifest with its host endpoint, current epoch and SLA terms read from its home
 * registry.
 *
 * @example const { models } = await readModels(world);
 */
export async function readModels(world: StatusWorld): Promise<{ models: ModelView[] }> {
  const models = await Promise.all(
    world.manifest.models.map(async (model): Promise<ModelView> => {
      const modelId = BigInt(model.modelId);
      const home = homeChainOf(world, model.homeChainId);
      const read = home.client as never;
      const [[endpoint, signer], currentEpoch] = await Promise.all([
        readContractTyped(read, home.registry, modelRegistryAbi, "hostOf", [modelId]),
        readContractTyped(read, home.registry, modelRegistryAbi, "currentEpoch", [modelId]),
      ]);
      const [currentEpochEndsAt, sla] = await Promise.all([
        readContractTyped(read, home.registry, modelRegistryAbi, "epochEnd", [modelId, currentEpoch]),
        readContractTyped(read, home.registry, modelRegistryAbi, "slaTermsAt", [modelId, currentEpoch]),
      ]);
      return {
        modelId,
        name: model.hostName,
        homeChainId: model.homeChainId,
        // Public (buyers call it), but an endpoint may embed an access token: scrub it like any URL we show.
        host: { endpoint: scrubSecrets(endpoint), signer },
        genesis: model.genesis,
        epochSeconds: model.epochSeconds,
        pricePerRequest: BigInt(model.pricePerRequest),
        currentEpoch,
        currentEpochEndsAt,
        sla,
      };
    }),
  );
  return { models };
}
