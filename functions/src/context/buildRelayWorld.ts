import type { KMSClient } from "@aws-sdk/client-kms";
import {
  type ChainAdapter,
  type Clock,
  type CursorStore,
  type DeploymentManifest,
  type JobStore,
  type KeyReference,
  matchFamily,
  type NonceStore,
  type PaymentStore,
  type PayoutPublisher,
  type ReceiptSource,
  type SendLeaseStore,
  type SettlementTarget,
  type StageConfig,
  type SvmVoucherCheckpointStore,
  type VoucherCheckpointStore,
} from "@slabridge/core";
import {
  createEvmChain,
  createSenderSubmitter,
  type EvmChain,
  type EvmChainClient,
  EvmConfigError,
  type EvmSender,
  type EvmSenderRegistry,
  type EvmSigner,
  evmSignerAddress,
  evmSignerOf,
  processEvmSenders,
} from "@slabridge/evm";
import { LayerZeroTransport } from "@slabridge/layerzero";
import { RelayEngine, type RouteControls } from "@slabridge/relay";
import { createSettlementWorkers } from "@slabridge/settlement";
import {
  createSolanaChain,
  SOLANA_WORMHOLE_CHAIN,
  type SolanaChain,
  type SolanaReceiptPublisher,
  type SolanaSettlementTarget,
  type SolanaVerdictSource,
} from "@slabridge/solana";
import { GuardianApiClient, GuardianSetCache, WormholeTransport } from "@slabridge/wormhole";
import { MissingLinkError } from "./linkedResource.ts";
import { routeControlsOf } from "./routeControlsOf.ts";
import { waitOnVaultLease } from "./vaultLeaseWait.ts";

/** The stores a world runs on (DynamoDB in AWS and on the devnet, memory in unit tests). */
export interface RelayStores {
  jobs: JobStore;
  cursors: CursorStore;
  nonces: NonceStore;
  payments: PaymentStore;
  /** The Solana vault's send leases. */
  leases: SendLeaseStore;
  /** The gateways' voucher checkpoints, which SLA receivers claim (needed when a chain has receivers). */
  checkpoints?: VoucherCheckpointStore | undefined;
  /**
   * The gateways' Solana voucher checkpoints, which each cluster's vault pulls at an epoch's end (needed when a model
   * is sold per call on Solana; without it nothing is claimed there).
   */
  svmCheckpoints?: SvmVoucherCheckpointStore | undefined;
}

/** Everything the handlers use, built once per Lambda container (or per local runtime). */
export interface RelayWorld {
  manifest: DeploymentManifest;
  config: StageConfig;
  stores: RelayStores;
  /** Every chain's adapter (the chain-family port), in manifest order: what the watchers and sweeps run on. */
  chains: ReadonlyMap<number, ChainAdapter>;
  /** The process's EVM senders: one per (chain, key), shared by every world built in the process. */
  senders: EvmSenderRegistry;
  /** The EVM chains' clients (netting and the main job's report read EVM chains through them). */
  clients: ReadonlyMap<number, EvmChainClient>;
  /** Both transports over the EVM chains (each also reads its messages off a chain: `outbox`). */
  transports: { readonly layerzero: LayerZeroTransport; readonly wormhole: WormholeTransport };
  engine: RelayEngine;
  /** The engine's settlement target per payment chain (EVM escrows, the Solana vault when it can sign). */
  settlementTargets: ReadonlyMap<number, SettlementTarget>;
  /** Puts a job id on the relay queue (the engine's own queue: what `engine.ingest` enqueues new jobs with). */
  enqueue(jobId: string): Promise<void>;
  /** The home chain's payout publisher (the settle sweep finds released epochs with unpublished payouts by it). */
  payouts?: PayoutPublisher;
  /** The kill switch and rate limits the engine obeys (pauses and rate windows in the cursor store). */
  controls: RouteControls;
  clock: Clock;
  /** The guardian API (VAAs of every chain). */
  guardian: GuardianApiClient;
  /** The KMS client the manifest's `kms` keys sign through (absent when no key is a `kms` key). */
  kms?: KMSClient;
  /** Verdicts the home chain published to Solana, verified from their VAAs (absent without Solana). */
  solanaVerdicts?: SolanaVerdictSource;
  /** Refunds and payouts out of the Solana vault (absent without Solana, its RPC URL or usable operator keys). */
  solanaSettlement?: SolanaSettlementTarget;
}

/** Options of {@link buildRelayWorld}. */
export interface BuildRelayWorldOptions {
  manifest: DeploymentManifest;
  config: StageConfig;
  stores: RelayStores;
  enqueue(jobId: string): Promise<void>;
  /** Puts a job id on the relay queue after a delay: the engine hands parked jobs back for when they are due. */
  enqueueAfter?(jobId: string, delaySeconds: number): Promise<void>;
  /** RPC URL per chain (resolved from the manifest, inline config or secrets by the caller). */
  rpcUrls: ReadonlyMap<number, string>;
  clock?: Clock;
  /** Lets non-loopback RPC URLs through (AWS); the devnet and tests never set it. */
  allowNonLoopback?: boolean;
  /**
   * Publishes Solana receipt batches from slabridge's Solana emitter (the devnet guardian on the devnet). Absent in
   * AWS until a Solana program posts them: Solana receipt jobs then fail with `SolanaPublisherMissingError`.
   */
  solanaPublisher?: SolanaReceiptPublisher;
  /** How long after an epoch's end its Solana payments are surely finalized (default: the stage config's, else 0). */
  solanaFinalityLagMs?: number;
  /** Signs with the manifest's `kms` keys: AWS KMS in a Lambda, the devnet's KMS stand-in locally. */
  kms?: KMSClient;
  /** Where EVM senders come from (default: the process's registry, so every world of the process shares them). */
  senders?: EvmSenderRegistry;
}

/**
 * The composition root of the relay bot: one chain adapter per manifest chain, picked by its family (the one
 * switch over families), both transports over the EVM chains, and the relay engine with every chain's receipt
 * source and settlement target and the home chain's payout publisher. Keys are the manifest's key references: KMS
 * keys (with `kms`: AWS's, or the devnet's stand-in), or unlocked anvil dev accounts on a devnet started so.
 *
 * @example const world = buildRelayWorld({ manifest, config, stores, enqueue, rpcUrls });
 */
export function buildRelayWorld(options: BuildRelayWorldOptions): RelayWorld {
  const { manifest, config, stores } = options;
  const clock = options.clock ?? { now: () => Date.now() };
  const senders = options.senders ?? processEvmSenders;
  const executor = evmKeySigner(manifest.keys.layerZeroExecutor, "layerZeroExecutor", options.kms);
  const dvn = evmKeySigner(manifest.keys.layerZeroDvn, "layerZeroDvn", options.kms);
  const guardian = new GuardianApiClient({
    baseUrls: [manifest.guardian.apiUrl],
    timeoutMs: 5_000,
    backoff: { initialMs: 200, maxMs: 5_000, factor: 2, jitter: 0.2 },
    maxAttempts: 10,
  });
  // The engine and the transports are built from the chains; the chains reach them only at watch time.
  const intake = { ingest: (job: Parameters<RelayEngine["ingest"]>[0]) => engine.ingest(job) };
  const chains = new Map<number, ChainAdapter>();
  const evm = new Map<number, EvmChain>();
  const solana: SolanaChain[] = [];
  const shared = { manifest, config, cursors: stores.cursors, clock, intake };
  const chainOf = (chainId: number) => chains.get(chainId);
  const rpcUrl = (chainId: number) => options.rpcUrls.get(chainId);

  // The home chain first: the other chains' adapters read it (Solana's verdicts, payouts' split tables).
  const home = manifest.chains.filter((chain) => chain.chainId === manifest.homeChainId);
  for (const chain of [...home, ...manifest.chains.filter((c) => c.chainId !== manifest.homeChainId)]) {
    matchFamily(chain, {
      evm: (chain) => {
        const url = rpcUrl(chain.chainId);
        if (!url) throw new MissingLinkError(`rpcUrl of ${chain.name}`, "no RPC URL for this chain");
        const adapter = createEvmChain({
          ...shared,
          chain,
          rpcUrl: url,
          ...(options.allowNonLoopback ? { allowNonLoopback: true } : {}),
          nonces: stores.nonces,
          senders,
          executor,
          dvn,
          kms: options.kms,
          outboxes: (chainId) => [transports.layerzero.outbox(chainId), transports.wormhole.outbox(chainId)],
          chainOf,
          evmChainOf: (chainId) => evm.get(chainId),
          ...(stores.checkpoints ? { vouchers: stores.checkpoints } : {}),
        });
        evm.set(chain.chainId, adapter);
        chains.set(chain.chainId, adapter);
      },
      solana: (chain) => {
        const homeChain = evm.get(manifest.homeChainId);
        if (!homeChain) throw new MissingLinkError(`home chain ${manifest.homeChainId}`, "not an EVM chain");
        const adapter = createSolanaChain({
          ...shared,
          chain,
          rpcUrl: rpcUrl(chain.chainId),
          payments: stores.payments,
          leases: stores.leases,
          checkpoints: stores.svmCheckpoints,
          guardian,
          home: {
            wormholeChainId: homeChain.chain.wormhole.chainId,
            messenger: homeChain.chain.contracts.wormholeMessenger,
            guardianSets: new GuardianSetCache({
              client: homeChain.client,
              chainId: homeChain.chainId,
              core: homeChain.chain.wormhole.core,
            }),
            payees: (modelId, epoch) => homeChain.payeeTable(modelId, epoch),
            // The listing's grace, not the Solana side's default: the vault refunds when the EVM escrows do.
            verdictGraceEpochs: (modelId, epoch) => homeChain.verdictGraceEpochs(modelId, epoch),
          },
          publisher: options.solanaPublisher,
          // The vault multisig's operators sign through KMS when the manifest names KMS keys.
          kms: options.kms,
          finalityLagMs: options.solanaFinalityLagMs, // else the stage config's (see createSolanaChain)
          // The emitter's messages become deliver-message jobs to chains a messenger delivers to.
          delivers: (chainId) => {
            const target = chains.get(chainId);
            return target !== undefined && target.receive === undefined;
          },
        });
        solana.push(adapter);
        chains.set(chain.chainId, adapter);
      },
    });
  }
  // Manifest order for everything that lists chains (watch results, sweeps, the transports' chains).
  const ordered = new Map(
    manifest.chains.flatMap((c) => {
      const a = chains.get(c.chainId);
      return a ? [[c.chainId, a] as const] : [];
    }),
  );
  const evmChains = manifest.chains.flatMap((c) => evm.get(c.chainId) ?? []);

  const sendersOf = (pick: (chain: EvmChain) => EvmSender) =>
    new Map(evmChains.map((chain) => [chain.chainId, pick(chain)]));
  const layerzero = new LayerZeroTransport({
    chains: new Map(
      evmChains.map((chain) => [
        chain.chainId,
        {
          client: chain.client,
          eid: chain.chain.layerZero.eid,
          endpointV2: chain.chain.layerZero.endpointV2,
          receiveUln302: chain.chain.layerZero.receiveUln302,
          messenger: chain.chain.contracts.layerZeroMessenger,
          confirmations: chain.chain.confirmations,
        },
      ]),
    ),
    dvn: { address: evmSignerAddress(dvn), submitter: createSenderSubmitter(sendersOf((chain) => chain.dvn)) },
    executor: {
      address: evmSignerAddress(executor),
      submitter: createSenderSubmitter(sendersOf((chain) => chain.executor)),
    },
    clock,
  });
  const wormhole = new WormholeTransport({
    chains: new Map(
      evmChains.map((chain) => [
        chain.chainId,
        {
          client: chain.client,
          wormholeChainId: chain.chain.wormhole.chainId,
          core: chain.chain.wormhole.core,
          messenger: chain.chain.contracts.wormholeMessenger,
        },
      ]),
    ),
    guardian,
    submitter: createSenderSubmitter(sendersOf((chain) => chain.executor)),
    externalEmitters: solana.map((chain) => ({
      wormholeChainId: SOLANA_WORMHOLE_CHAIN,
      emitter: chain.chain.wormholeEmitter,
    })),
  });
  const transports = { layerzero, wormhole } as const;

  const receiptSources = new Map<number, ReceiptSource>();
  const settlementTargets = new Map<number, SettlementTarget>();
  for (const chain of ordered.values()) {
    if (chain.receipts) receiptSources.set(chain.chainId, chain.receipts);
    // A vault send in flight is a lease to wait on, not a failed attempt (the job is parked, its budget kept).
    const pollMs = config.retry.tiersMs[0] ?? 1_000;
    if (chain.settlement) settlementTargets.set(chain.chainId, waitOnVaultLease(chain.settlement, clock, pollMs));
  }
  const payouts = ordered.get(manifest.homeChainId)?.payouts;
  const controls = routeControlsOf(config, stores.cursors, clock, manifest);
  const engine = new RelayEngine({
    controls,
    jobs: stores.jobs,
    transports,
    receiptSources,
    enqueue: options.enqueue,
    ...(options.enqueueAfter ? { enqueueAfter: options.enqueueAfter } : {}),
    clock,
    retry: config.retry,
    maxPaymentsPerBatch: config.batching.maxPaymentsPerReceiptBatch,
    workers: createSettlementWorkers({
      settlementTargets,
      payouts,
      clock,
      maxRefundsPerTransaction: config.batching.maxRefundsPerTransaction,
      // A verdict reaches a payment chain through the watchers, once per watch period: look again after one.
      verdictPollMs: config.watch.pollIntervalSeconds * 1_000,
    }),
  });
  const [firstSolana] = solana;
  return {
    manifest,
    config,
    stores,
    senders,
    chains: ordered,
    clients: new Map(evmChains.map((chain) => [chain.chainId, chain.client])),
    transports,
    engine,
    settlementTargets,
    enqueue: options.enqueue,
    ...(payouts ? { payouts } : {}),
    controls,
    clock,
    guardian,
    ...(options.kms ? { kms: options.kms } : {}),
    ...(firstSolana ? { solanaVerdicts: firstSolana.verdicts } : {}),
    ...(firstSolana?.settlement ? { solanaSettlement: firstSolana.settlement } : {}),
  };
}

function evmKeySigner(ref: KeyReference, role: string, kms: KMSClient | undefined): EvmSigner {
  // The devnet guardian's key is an anvil account's too: the node signs for it.
  if (ref.kind === "wormhole-sdk-devnet-guardian") return ref.address;
  try {
    return evmSignerOf(ref, role, { kms });
  } catch (error) {
    if (error instanceof EvmConfigError) throw new MissingLinkError(role, error.shortMessage);
    throw error;
  }
}
