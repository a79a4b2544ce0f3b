import type { Clock, DeploymentManifest, JobStore, PaymentStore, StageConfig } from "@slabridge/core";
import { createEvmChainClient, evmChainsOf } from "@slabridge/evm";
import { solanaChainsOf } from "@slabridge/solana";
import { Connection, PublicKey } from "@solana/web3.js";
import type { PublicClient } from "viem";
import { MissingLinkError } from "../linkedResource.ts";
import { StatusConfigError } from "./errors.ts";
import type { SolanaSettlementReader } from "./SolanaSettlementReader.ts";
import { VaultOutflowSettlementReader } from "./VaultOutflowSettlementReader.ts";

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
  /** Solana refunds/payouts (the vault's outflows); absent without Solana in the manifest. */
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
  /**
   * RPC URL per chain (resolved from the manifest, inline config or secrets by the caller). Every EVM chain needs
   * one; Solana's defaults to the manifest's.
   */
  rpcUrls: ReadonlyMap<number, string>;
  clock?: Clock;
  /** Lets non-loopback RPC URLs through (AWS); the devnet and tests never set it. */
  allowNonLoopback?: boolean;
  /** Overrides the reader built from the manifest's Solana vault (a {@link VaultOutflowSettlementReader}). */
  solanaSettlement?: SolanaSettlementReader;
  /** Default 50,000 blocks. */
  logWindowBlocks?: bigint;
}

/**
 * The status API's composition root: read-only clients for every EVM chain of the manifest and, when the manifest
 * has Solana, a read-only connection reading the vault's refund and payout outflows; no senders, no keys.
 *
 * @example const world = buildStatusWorld({ manifest, config, stores: { jobs, payments }, rpcUrls });
 */
export function buildStatusWorld(options: BuildStatusWorldOptions): StatusWorld {
  const clients = new Map<number, PublicClient>();
  for (const chain of evmChainsOf(options.manifest)) {
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
    solanaSettlement: options.solanaSettlement ?? solanaReader(options),
    logWindowBlocks: options.logWindowBlocks ?? 50_000n,
  };
}

const LOOPBACK_HOSTS = new Set(["localhost", "[::1]", "::1"]);

/** A read-only reader of the Solana vault's outflows, or undefined without Solana in the manifest. */
function solanaReader(options: BuildStatusWorldOptions): SolanaSettlementReader | undefined {
  const solana = solanaChainsOf(options.manifest)[0];
  if (!solana) return undefined;
  const rpcUrl = options.rpcUrls.get(solana.chainId) ?? solana.rpcUrl;
  const { hostname } = new URL(rpcUrl);
  const loopback = LOOPBACK_HOSTS.has(hostname) || /^127(?:\.\d{1,3}){3}$/.test(hostname);
  if (!loopback && options.allowNonLoopback !== true) {
    throw new StatusConfigError("Refusing a non-loopback Solana RPC host without allowNonLoopback.");
  }
  return new VaultOutflowSettlementReader({
    connection: new Connection(rpcUrl, { commitment: "confirmed", disableRetryOnRateLimit: true }),
    vault: new PublicKey(solana.vault),
  });
}
