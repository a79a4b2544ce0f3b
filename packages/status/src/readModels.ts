import { type SlaTerms, scrubSecrets } from "@slabridge/core";
import { homeChainOf, type StatusWorld } from "./StatusWorld.ts";

/** SLA terms of an epoch as the registry holds them. */
export type SlaTermsView = SlaTerms;

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
 * chain's registry (through the home chain's `ChainStatusReader`).
 *
 * @example const { models } = await readModels(world);
 */
export async function readModels(world: StatusWorld): Promise<{ models: ModelView[] }> {
  const models = await Promise.all(
    world.manifest.models.map(async (model): Promise<ModelView> => {
      const modelId = BigInt(model.modelId);
      const home = homeChainOf(world, model.homeChainId);
      const [{ endpoint, signer }, currentEpoch] = await Promise.all([home.host(modelId), home.currentEpoch(modelId)]);
      const [{ endsAt: currentEpochEndsAt }, sla] = await Promise.all([
        home.epochWindow(modelId, currentEpoch),
        home.slaTerms(modelId, currentEpoch),
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
