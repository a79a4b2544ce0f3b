import type {
  Clock,
  CursorStore,
  DeploymentManifest,
  JobStore,
  NonceStore,
  PaymentStore,
  SendLeaseStore,
  StageConfig,
  Transport,
  TransportName,
} from "@slabridge/core";
import { createEvmChainClient, createSenderSubmitter, EscrowReader, EvmSender, evmChainsOf } from "@slabridge/evm";
import { LayerZeroTransport } from "@slabridge/layerzero";
import { type ReceiptSource, RelayEngine, type SettlementTarget } from "@slabridge/relay";
import { createSettlementWorkers } from "@slabridge/settlement";
import { solanaChainsOf } from "@slabridge/solana";
import { GuardianApiClient, WormholeTransport } from "@slabridge/wormhole";
import { type Address, type PublicClient, parseGwei } from "viem";
import { buildSolanaSettlement } from "./buildSolanaSettlement.ts";
import { EscrowReceiptSource } from "./EscrowReceiptSource.ts";
import { EscrowSettlementTarget } from "./EscrowSettlementTarget.ts";
import { RegistryPayoutPublisher } from "./RegistryPayoutPublisher.ts";
import { SolanaReceiptConfigError, type SolanaReceiptPublisher, SolanaReceiptSource } from "./SolanaReceiptSource.ts";
import type { SolanaSettlementTarget } from "./SolanaSettlementTarget.ts";
import type { SolanaVerdictSource } from "./SolanaVerdictSource.ts";
import { vaultScanCursorId } from "./watchSolanaVault.ts";

/** The stores a world runs on (DynamoDB in AWS and on the devnet, memory in unit tests). */
export interface RelayStores {
  jobs: JobStore;
  cursors: CursorStore;
  nonces: NonceStore;
  payments: PaymentStore;
  /** The Solana vault's send leases. */
  leases: SendLeaseStore;
}

/** Everything the handlers use, built once per Lambda container (or per local runtime). */
export interface RelayWorld {
  manifest: DeploymentManifest;
  config: StageConfig;
  stores: RelayStores;
  clients: ReadonlyMap<number, PublicClient>;
  transports: Readonly<Record<TransportName, Transport>>;
  engine: RelayEngine;
  /** The engine's settlement target per payment chain (EVM escrows, the Solana vault when it can sign). */
  settlementTargets: ReadonlyMap<number, SettlementTarget>;
  /** Puts a job id on the relay queue (the engine's own queue: what `engine.ingest` enqueues new jobs with). */
  enqueue(jobId: string): Promise<void>;
  clock: Clock;
  /** The guardian API (VAAs of every chain; the Solana emitter scan reads it directly). */
  guardian: GuardianApiClient;
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
  /** How long after an epoch's end its Solana payments are surely finalized and recorded (default 0: devnet). */
  solanaFinalityLagMs?: number;
}

/**
 * The composition root of the relay bot: chain clients, nonce-safe senders for the relayer/executor and DVN keys,
 * both transports, a receipt source and a settlement target per EVM payment chain, a receipt source for the Solana vault,
 * and the relay engine, all from the deployment manifest
 * and the stage config. Keys are the manifest's key references: unlocked anvil dev accounts on the devnet (KMS
 * signers in AWS are not wired yet: see the README).
 *
 * @example const world = buildRelayWorld({ manifest, config, stores, enqueue, rpcUrls });
 */
export function buildRelayWorld(options: BuildRelayWorldOptions): RelayWorld {
  const { manifest, config } = options;
  const clock = options.clock ?? { now: () => Date.now() };
  const executor = evmKeyAddress(manifest.keys.layerZeroExecutor, "layerZeroExecutor");
  const dvn = evmKeyAddress(manifest.keys.layerZeroDvn, "layerZeroDvn");

  const clients = new Map<number, PublicClient>();
  const executorSenders = new Map<number, EvmSender>();
  const dvnSenders = new Map<number, EvmSender>();
  for (const chain of evmChainsOf(manifest)) {
    const rpcUrl = options.rpcUrls.get(chain.chainId);
    if (!rpcUrl) throw new Error(`no RPC URL for chain ${chain.name}`);
    const client = createEvmChainClient({
      chainId: chain.chainId,
      rpcUrl,
      name: chain.name,
      ...(options.allowNonLoopback ? { allowNonLoopback: true } : {}),
    }) as unknown as PublicClient;
    clients.set(chain.chainId, client);
    const sender = (account: Address, role: string) =>
      new EvmSender({
        client: client as never,
        account,
        nonceStore: options.stores.nonces,
        senderId: `evm:${chain.chainId}:${role}:${account.toLowerCase()}`,
        gasBump: { factor: 1.125, maxFeePerGasCap: parseGwei("500") },
        stuckAfterMs: 30_000,
        receiptTimeoutMs: 120_000,
      });
    executorSenders.set(chain.chainId, sender(executor, "executor"));
    dvnSenders.set(chain.chainId, sender(dvn, "dvn"));
  }
  const client = (chainId: number) => {
    const found = clients.get(chainId);
    if (!found) throw new Error(`no client for chain ${chainId}`);
    return found;
  };

  const layerzero = new LayerZeroTransport({
    chains: new Map(
      evmChainsOf(manifest).map((chain) => [
        chain.chainId,
        {
          client: client(chain.chainId),
          eid: chain.layerZero.eid,
          endpointV2: chain.layerZero.endpointV2,
          receiveUln302: chain.layerZero.receiveUln302,
          messenger: chain.contracts.layerZeroMessenger,
          confirmations: chain.confirmations,
        },
      ]),
    ),
    dvn: { address: dvn, submitter: createSenderSubmitter(dvnSenders) },
    executor: { address: executor, submitter: createSenderSubmitter(executorSenders) },
    clock,
  });
  const guardian = new GuardianApiClient({
    baseUrls: [manifest.guardian.apiUrl],
    timeoutMs: 5_000,
    backoff: { initialMs: 200, maxMs: 5_000, factor: 2, jitter: 0.2 },
    maxAttempts: 10,
  });
  const wormhole = new WormholeTransport({
    chains: new Map(
      evmChainsOf(manifest).map((chain) => [
        chain.chainId,
        {
          client: client(chain.chainId),
          wormholeChainId: chain.wormhole.chainId,
          core: chain.wormhole.core,
          messenger: chain.contracts.wormholeMessenger,
        },
      ]),
    ),
    guardian,
    submitter: createSenderSubmitter(executorSenders),
    externalEmitters: solanaChainsOf(manifest).map((solana) => ({
      wormholeChainId: 1,
      emitter: solana.wormholeEmitter,
    })),
  });
  const transports = { layerzero, wormhole } as const;

  const receiptSources = new Map<number, ReceiptSource>();
  const settlementTargets = new Map<number, SettlementTarget>();
  for (const chain of evmChainsOf(manifest)) {
    const escrow = chain.contracts.escrow;
    if (!escrow) continue;
    const sender = executorSenders.get(chain.chainId);
    if (!sender) continue;
    // refund() and release() are permissionless: the executor key that relays receipts pushes them too.
    settlementTargets.set(
      chain.chainId,
      new EscrowSettlementTarget({
        chainId: chain.chainId,
        escrow: new EscrowReader(client(chain.chainId) as never, escrow),
        sender,
      }),
    );
    receiptSources.set(
      chain.chainId,
      new EscrowReceiptSource({
        chainId: chain.chainId,
        homeChainId: manifest.homeChainId,
        escrow: new EscrowReader(client(chain.chainId) as never, escrow),
        client: client(chain.chainId),
        sender,
        messengers: { layerzero: chain.contracts.layerZeroMessenger, wormhole: chain.contracts.wormholeMessenger },
      }),
    );
  }

  const [solana] = solanaChainsOf(manifest);
  if (solana) {
    // Only the Wormhole emitter leaves Solana: fail at cold start rather than on every receipt job.
    const route = config.routes.find(
      (r) => r.source === solana.chainId && r.destination === manifest.homeChainId && r.kind === "ReceiptBatch",
    );
    if (route && route.transport !== "wormhole") {
      throw new SolanaReceiptConfigError(`the Solana ReceiptBatch route must use wormhole, not ${route.transport}`);
    }
    receiptSources.set(
      solana.chainId,
      new SolanaReceiptSource({
        chainId: solana.chainId,
        homeChainId: manifest.homeChainId,
        models: manifest.models,
        payments: options.stores.payments,
        cursors: options.stores.cursors,
        publisher: options.solanaPublisher,
        vaultScanCursorId: vaultScanCursorId(solana.vault),
        finalityLagMs: options.solanaFinalityLagMs ?? 0,
        now: () => clock.now(),
      }),
    );
  }

  // Solana settlement (verdicts as verified VAAs, refunds and payouts by the vault multisig): see buildSolanaSettlement.
  const solanaSettlement = solana
    ? buildSolanaSettlement({
        manifest,
        solana,
        rpcUrl: options.rpcUrls.get(solana.chainId),
        homeClient: client(manifest.homeChainId),
        guardian,
        stores: options.stores,
        clock,
        finalityLagMs: options.solanaFinalityLagMs ?? 0,
      })
    : undefined;
  if (solanaSettlement?.target) settlementTargets.set(solanaSettlement.target.chainId, solanaSettlement.target);

  const payouts = payoutPublisher(manifest, config, client, executorSenders);
  const engine = new RelayEngine({
    jobs: options.stores.jobs,
    transports,
    receiptSources,
    enqueue: options.enqueue,
    clock,
    retry: config.retry,
    maxPaymentsPerBatch: config.batching.maxPaymentsPerReceiptBatch,
    workers: createSettlementWorkers({
      settlementTargets,
      payouts,
      clock,
      maxRefundsPerTransaction: config.batching.maxRefundsPerTransaction,
    }),
  });
  return {
    manifest,
    config,
    stores: options.stores,
    clients,
    transports,
    engine,
    settlementTargets,
    enqueue: options.enqueue,
    clock,
    guardian,
    ...(solanaSettlement ? { solanaVerdicts: solanaSettlement.verdicts } : {}),
    ...(solanaSettlement?.target ? { solanaSettlement: solanaSettlement.target } : {}),
  };
}

/** Payouts from the home chain's registry over each chain's Payout route; none without a registry. */
function payoutPublisher(
  manifest: DeploymentManifest,
  config: StageConfig,
  client: (chainId: number) => PublicClient,
  senders: ReadonlyMap<number, EvmSender>,
): RegistryPayoutPublisher | undefined {
  const home = evmChainsOf(manifest).find((chain) => chain.chainId === manifest.homeChainId);
  const registry = home?.contracts.modelRegistry;
  const sender = senders.get(manifest.homeChainId);
  if (!home || !registry || !sender) return undefined;
  // A stage without any Payout route does not relay payouts: its settle jobs end at the release.
  if (!config.routes.some((route) => route.source === home.chainId && route.kind === "Payout")) return undefined;
  const escrows = new Map<number, { client: PublicClient; escrow: Address }>();
  for (const chain of evmChainsOf(manifest)) {
    if (chain.contracts.escrow)
      escrows.set(chain.chainId, { client: client(chain.chainId), escrow: chain.contracts.escrow });
  }
  const maxBlockRange = config.chains.find((chain) => chain.chainId === home.chainId)?.maxBlockRange;
  return new RegistryPayoutPublisher({
    client: client(home.chainId),
    registry,
    sender,
    escrows,
    ...(maxBlockRange === undefined ? {} : { maxBlockRange: BigInt(maxBlockRange) }),
    messengerFor: (chainId) => {
      const route = config.routes.find(
        (r) => r.source === home.chainId && r.destination === chainId && r.kind === "Payout",
      );
      if (!route) return undefined;
      const messenger =
        route.transport === "layerzero" ? home.contracts.layerZeroMessenger : home.contracts.wormholeMessenger;
      return { transport: route.transport, messenger };
    },
  });
}

function evmKeyAddress(ref: DeploymentManifest["keys"]["deployer"], role: string): Address {
  if (ref.kind === "anvil-dev-account" || ref.kind === "wormhole-sdk-devnet-guardian") return ref.address;
  throw new Error(`${role}: ${ref.kind} keys are not supported by this build yet (KMS signing comes with deployment)`);
}
