import {
  type ChainStatusReader,
  type Clock,
  type CursorStore,
  type DeploymentManifest,
  type EvmChainManifest,
  type Hex,
  type JobStore,
  manifestRpcUrlOf,
  matchFamily,
  type PaymentStore,
  type SolanaChainManifest,
  type StageConfig,
} from "@slabridge/core";
import { createEvmChainClient, EvmStatusReader } from "@slabridge/evm";
import { layerZeroSentMessage } from "@slabridge/layerzero";
import { type BlobStore, evidenceName } from "@slabridge/measuring";
import { type SolanaSettlementReader, SolanaStatusReader, VaultOutflowSettlementReader } from "@slabridge/solana";
import { type EvidenceRulesView, StatusConfigError, type StatusWorld } from "@slabridge/status";
import { wormholeSentMessage } from "@slabridge/wormhole";
import { Connection, PublicKey } from "@solana/web3.js";
import { MissingLinkError } from "../linkedResource.ts";
import { routeControlsOf } from "../routeControlsOf.ts";

/** The stores the status API reads (it never writes). */
export interface StatusStores {
  jobs: JobStore;
  payments: PaymentStore;
  /** Where the kill switch keeps its pauses (the cursor store): given, `/controls` lists them. */
  cursors?: CursorStore;
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
  /**
   * How many blocks after an epoch's end (payment chains) or its verdict (home chain) are searched for its settlement
   * events, in chunks of the chain's `maxBlockRange`. Default 50,000 blocks.
   */
  logWindowBlocks?: bigint;
  /**
   * The evaluator's evidence store, read only (its `verdict/<modelId>/<epoch>` names): given, an epoch's status shows
   * its published bundle and `/evidence/<address>` serves its bytes. The devnet shares the runtime's; AWS reads the
   * stage's evidence bucket.
   */
  evidence?: Pick<BlobStore, "resolve" | "get">;
}

/**
 * The status API's composition root: a read-only `ChainStatusReader` per chain of the manifest (EVM chains first,
 * then Solana, the order the API reports payment chains in): an `EvmStatusReader` over a read-only client, with the
 * escrow of a payment chain and the registry, oracle and both transports' message names of a home chain; and, when
 * the manifest has Solana, a `SolanaStatusReader` over the payment store and a read-only connection reading the
 * vault's refund and payout outflows. No senders, no keys.
 *
 * @example const world = buildStatusWorld({ manifest, config, stores: { jobs, payments }, rpcUrls });
 */
export function buildStatusWorld(options: BuildStatusWorldOptions): StatusWorld {
  const logWindowBlocks = options.logWindowBlocks ?? 50_000n;
  // Manifest order (EVM chains, then Solana, on the devnet): the order the API reports payment chains in.
  const chains = options.manifest.chains.map((chain) =>
    matchFamily<ChainStatusReader>(chain, {
      evm: (evm) => evmReader(options, evm, logWindowBlocks),
      solana: (solana) => solanaReader(options, solana),
    }),
  );
  const clock = options.clock ?? { now: () => Date.now() };
  const { cursors } = options.stores;
  const { evidence } = options;
  return {
    manifest: options.manifest,
    config: options.config,
    stores: options.stores,
    chains,
    clock,
    ...(cursors ? { controls: routeControlsOf(options.config, cursors, clock, options.manifest) } : {}),
    ...(evidence
      ? {
          evidence: {
            bundleOf: (modelId, epoch) => evidence.resolve(evidenceName(modelId, epoch)),
            bytesOf: (address) => evidence.get(address),
            ...evidenceRulesOf(options.config),
          },
        }
      : {}),
  };
}

/** The stage config's public rules a report is recomputed with (none without a probing section). */
function evidenceRulesOf(config: StageConfig): { rules?: EvidenceRulesView } {
  if (!config.probing) return {};
  const { quorum, uptimeBucketSeconds } = config.probing;
  const receiptSigners = (config.gateway?.receiptSigners ?? []).map((signer) => signer.toLowerCase() as Hex);
  return { rules: { quorum, uptimeBucketSeconds, receiptSigners } };
}

/** An EVM chain's escrow, and on the home chain its registry, oracle and both transports' message names. */
function evmReader(
  options: BuildStatusWorldOptions,
  chain: EvmChainManifest,
  logWindowBlocks: bigint,
): EvmStatusReader {
  const rpcUrl = options.rpcUrls.get(chain.chainId);
  if (!rpcUrl) throw new MissingLinkError(`rpcUrl of ${chain.name}`, "not resolved");
  const client = createEvmChainClient({
    chainId: chain.chainId,
    rpcUrl,
    name: chain.name,
    ...(options.allowNonLoopback ? { allowNonLoopback: true } : {}),
  });
  const { escrow, slaReceivers, modelRegistry, slaOracle, hostBond, layerZeroMessenger, wormholeMessenger } =
    chain.contracts;
  return new EvmStatusReader({
    client,
    chainId: chain.chainId,
    name: chain.name,
    ...(escrow ? { escrow } : {}),
    ...(slaReceivers ? { slaReceivers } : {}),
    ...(modelRegistry && slaOracle
      ? {
          home: {
            registry: modelRegistry,
            oracle: slaOracle,
            ...(hostBond ? { hostBond } : {}),
            // LayerZero first: Wormhole names every message the other did not.
            sentMessages: [
              layerZeroSentMessage(layerZeroMessenger),
              wormholeSentMessage({
                core: chain.wormhole.core,
                wormholeChainId: chain.wormhole.chainId,
                messenger: wormholeMessenger,
              }),
            ],
          },
        }
      : {}),
    maxBlockRange: BigInt(
      options.config.chains.find((candidate) => candidate.chainId === chain.chainId)?.maxBlockRange ?? 2_000,
    ),
    logWindowBlocks,
  });
}

const LOOPBACK_HOSTS = new Set(["localhost", "[::1]", "::1"]);

/** A Solana cluster's payments and its vault's outflows (read-only). */
function solanaReader(options: BuildStatusWorldOptions, solana: SolanaChainManifest): SolanaStatusReader {
  const name = options.config.chains.find((chain) => chain.chainId === solana.chainId)?.name ?? "solana";
  const reader = { chainId: solana.chainId, name, payments: options.stores.payments };
  if (options.solanaSettlement) return new SolanaStatusReader({ ...reader, outflows: options.solanaSettlement });
  const rpcUrl = options.rpcUrls.get(solana.chainId) ?? manifestRpcUrlOf(solana);
  const { hostname } = new URL(rpcUrl);
  const loopback = LOOPBACK_HOSTS.has(hostname) || /^127(?:\.\d{1,3}){3}$/.test(hostname);
  if (!loopback && options.allowNonLoopback !== true) {
    throw new StatusConfigError("Refusing a non-loopback Solana RPC host without allowNonLoopback.");
  }
  return new SolanaStatusReader({
    ...reader,
    outflows: new VaultOutflowSettlementReader({
      connection: new Connection(rpcUrl, { commitment: "confirmed", disableRetryOnRateLimit: true }),
      vault: new PublicKey(solana.vault),
    }),
  });
}
