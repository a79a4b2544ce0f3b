import type {
  ChainStatusReader,
  Clock,
  DeploymentManifest,
  Hex,
  HomeChainStatusReader,
  JobStore,
  StageConfig,
} from "@slabridge/core";
import { StatusConfigError } from "./errors.ts";
import type { PauseStatusView } from "./readControls.ts";

/**
 * Everything the status read model reads from: the models and home chain id of the deployment manifest, the stage and
 * chains of the stage config (for `/health`), the job store, and one `ChainStatusReader` per chain (payment chains
 * are reported in this order). It never writes.
 */
export interface StatusWorld {
  readonly manifest: Pick<DeploymentManifest, "homeChainId" | "models">;
  readonly config: Pick<StageConfig, "stage" | "chains">;
  readonly stores: { readonly jobs: Pick<JobStore, "get" | "listByStatus"> };
  readonly chains: readonly ChainStatusReader[];
  readonly clock: Clock;
  /** The kill switch's pauses in force (the relay's `RouteControls`); absent: none are shown. */
  readonly controls?: { paused(): Promise<readonly PauseStatusView[]> };
  /**
   * The evaluator's published evidence (read only): the address of the signed sample-set bundle behind the report of
   * (model, epoch), or undefined when none was published. Absent: no epoch shows evidence.
   */
  readonly evidence?: {
    bundleOf(modelId: bigint, epoch: bigint): Promise<Hex | undefined>;
    /** The stored bytes at `address` (content-addressed: the reader checks keccak256), or undefined. */
    bytesOf(address: Hex): Promise<Uint8Array | undefined>;
    /**
     * The public rules a report is recomputed with beyond the on-chain terms: the probing quorum and bucket size and
     * the gateway's usage-receipt signers (stage config, not on chain). Absent: the epoch view shows none.
     */
    readonly rules?: EvidenceRulesView;
  };
}

/** What besides the bundle and the on-chain terms it takes to recompute a report (`npm run verify` reads it). */
export interface EvidenceRulesView {
  /** Distinct vantage points that must reach the host in a bucket for it to count as up. */
  readonly quorum: number;
  readonly uptimeBucketSeconds: number;
  /** Addresses whose usage receipts count as paid traffic's evidence (lowercase). */
  readonly receiptSigners: readonly Hex[];
}

/**
 * The home-chain reader of `chainId` (registry and oracle).
 *
 * @throws {StatusConfigError} when no chain of the world is that home chain
 * @example const home = homeChainOf(world, model.homeChainId);
 */
export function homeChainOf(world: StatusWorld, chainId: number): HomeChainStatusReader {
  const home = world.chains.find((chain) => chain.chainId === chainId)?.home;
  if (!home) {
    throw new StatusConfigError(`Home chain ${chainId} has no registry, oracle or RPC client in this deployment.`);
  }
  return home;
}
