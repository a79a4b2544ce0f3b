import type {
  Clock,
  DeploymentManifest,
  EscrowVerdicts,
  HomeChain,
  ProbingConfig,
  SampleStore,
  StageConfig,
  UsageReceiptStore,
} from "@slabridge/core";
import type { BlobStore } from "./attest/BlobStore.ts";
import type { ProberKey } from "./attest/ProberKey.ts";
import type { ProberRegistry } from "./attest/ProberRegistry.ts";
import type { ProberInvoker } from "./coordinator/ProberInvoker.ts";

/**
 * What a prober function needs: where to record samples, how to probe, its own key (it signs its samples and the
 * reports it co-signs), the registered prober set, the published evidence, and read access to the home chain's
 * clock, terms and report digest (to recompute a report before co-signing it).
 */
export interface ProberWorld {
  samples: SampleStore;
  probing: ProbingConfig;
  clock: Clock;
  key: ProberKey;
  registry: ProberRegistry;
  blobs: BlobStore;
  home: Pick<HomeChain, "modelClock" | "slaTermsAt" | "reportDigest">;
  /** Addresses whose usage receipts are evidence (the gateway's receipt keys, `gateway.receiptSigners`); none: no receipts. */
  gatewaySigners?: readonly string[];
}

/**
 * Everything the coordinator and the evaluator use, built once per Lambda container or per local runtime by the
 * wiring (`buildMeasureWorld` in functions/), or from stand-ins in unit tests. It holds no prober key: reports are
 * co-signed by the probers (`invoker.cosign`).
 */
export interface MeasureWorld {
  manifest: DeploymentManifest;
  config: StageConfig;
  probing: ProbingConfig;
  samples: SampleStore;
  clock: Clock;
  home: HomeChain;
  escrows: EscrowVerdicts;
  registry: ProberRegistry;
  /** Where the evaluator publishes each report's evidence bundle. */
  blobs: BlobStore;
  /** The gateway's usage receipts per (model, epoch): paid traffic's evidence, for models sold per call. */
  usageReceipts?: UsageReceiptStore;
  /** Addresses whose usage receipts are evidence (the gateway's receipt keys, `gateway.receiptSigners`); none: no receipts. */
  gatewaySigners?: readonly string[];
  /** Fans probe rounds out to the prober functions, and asks them to co-sign reports. */
  invoker: Pick<ProberInvoker, "invoke" | "cosign" | "vantages">;
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
