import type {
  Clock,
  DeploymentManifest,
  EscrowVerdicts,
  HomeChain,
  ProbingConfig,
  SampleStore,
  StageConfig,
} from "@slabridge/core";
import type { ProberInvoker } from "./coordinator/ProberInvoker.ts";

/** What a prober function needs: where to record samples and how to probe. */
export interface ProberWorld {
  samples: SampleStore;
  probing: ProbingConfig;
  clock: Clock;
}

/**
 * Everything the measuring functions use (coordinator, probers, evaluator), built once per Lambda container or per
 * local runtime by the wiring (`buildMeasureWorld` in functions/), or from stand-ins in unit tests.
 */
export interface MeasureWorld extends ProberWorld {
  manifest: DeploymentManifest;
  config: StageConfig;
  home: HomeChain;
  escrows: EscrowVerdicts;
  /** Fans probe rounds out to the prober functions (the coordinator's only). */
  invoker: Pick<ProberInvoker, "invoke" | "vantages">;
}

/**
 * The models measured from this home chain, as bigint ids (manifest order).
 *
 * @example for (const modelId of measuredModels(world)) await evaluate(modelId);
 */
export function measuredModels(world: Pick<MeasureWorld, "manifest">): bigint[] {
  const { manifest } = world;
  return manifest.models.filter((m) => m.homeChainId === manifest.homeChainId).map((m) => BigInt(m.modelId));
}
