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
import type { PaidFetchLike } from "./probe/probeHost.ts";

/** Where a gateway-sold model is probed: its gateway URL (`<gateway>/models/<key>`) and the chain paid on. */
export interface ProbeRoute {
  readonly url: string;
  readonly chainId: number;
  /** Unix ms after which no paid call of this round may start (e.g. to keep every charge inside an epoch). */
  readonly payUntil?: number;
}

/** Which models are probed through their x402 gateway, as paying buyers (the others directly at their endpoint). */
export interface ProbeRoutes {
  /** The route of `modelId` for a round at `atMs` in `epoch`; undefined: probe the listed endpoint. */
  routeOf(modelId: bigint, epoch: bigint, atMs: number): ProbeRoute | undefined;
}

/**
 * The prober's own x402 payer (never its signing key): one paying fetch per chain, each keeping its channels between
 * rounds, and the gateway URLs it has paid once already (their channel is open: no warm-up needed).
 */
export interface ProbePayer {
  fetchOn(chainId: number): PaidFetchLike;
  readonly met: Set<string>;
}

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
  /** Pays gateway-sold models' probes; absent: such a target fails the round (a typed config error). */
  payer?: ProbePayer;
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
  /** Models probed through their gateway; absent: every model at its listed endpoint. */
  probeRoutes?: ProbeRoutes;
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
