import type { Clock, DeploymentManifest, JobStore, PaymentStore, StageConfig } from "@slabridge/core";
import { createEvmChainClient } from "@slabridge/evm";
import type { PublicClient } from "viem";
import { MissingLinkError } from "../linkedResource.ts";
import type { SolanaSettlementReader } from "./SolanaSettlementReader.ts";

/** The stores the status API reads (it never writes). */
export interface StatusStores {
  jobs: JobStore;
  payments: PaymentStore;
}

/** Everything the status API reads from: the manifest and stage config, the stores, one client per EVM chain. */
export interface StatusWorld {
  manifest: DeploymentManifest;
  config: StageConfig;
  stores: StatusStores;
  clients: ReadonlyMap<number, PublicClient>;
  clock: Clock;
  /** Solana refunds/payouts; absent until the Solana settlement code provides one. */
  solanaSettlement: SolanaSettlementReader | undefined;
  /**
   * How many blocks after an epoch's end (payment chains) or its verdict (home chain) are searched for its settlement
   * events, in chunks of the chain's `maxBlockRange`.
   */
  logWindowBlocks: bigint;
}

/** Options of {@link buildStatusWorld}. */
export interface BuildStatusWorldOptions {
  manifest: DeploymentManifest;
  config: StageConfig;
  stores: StatusStores;
  /** RPC URL per EVM chain (resolved from the manifest, inline config or secrets by the caller). */
  rpcUrls: ReadonlyMap<number, string>;
  clock?: Clock;
  /** Lets non-loopback RPC URLs through (AWS); the devnet and tests never set it. */
  allowNonLoopback?: boolean;
  solanaSettlement?: SolanaSettlementReader;
  /** Default 50,000 blocks. */
  logWindowBlocks?: bigint;
}

/**
 * The status API's composition root: read-only clients for every EVM chain of the manifest, no senders, no keys.
 *
 * @example const world = buildStatusWorld({ manifest, config, stores: { jobs, payments }, rpcUrls });
 */
export function buildStatusWorld(options: BuildStatusWorldOptions): StatusWorld {
  const clients = new Map<number, PublicClient>();
  for (const chain of options.manifest.evm) {
    const rpcUrl = options.rpcUrls.get(chain.chainId);
    if (!rpcUrl) throw new MissingLinkError(`rpcUrl of ${chain.name}`, "not resolved");
    const client = createEvmChainClient({
      chainId: chain.chainId,
      rpcUrl,
      name: chain.name,
      ...(options.allowNonLoopback ? { allowNonLoopback: true } : {}),
    }) as unknown as PublicClient;
    clients.set(chain.chainId, client);
  }
  return {
    manifest: options.manifest,
    config: options.config,
    stores: options.stores,
    clients,
    clock: options.clock ?? { now: () => Date.now() },
    solanaSettlement: options.solanaSettlement,
    logWindowBlocks: options.logWindowBlocks ?? 50_000n,
  };
}
