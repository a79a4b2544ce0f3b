import type { KMSClient } from "@aws-sdk/client-kms";
import type {
  ChainAdapter,
  ChainNetting,
  Clock,
  CursorStore,
  DeploymentManifest,
  Hex,
  JobIntake,
  PaymentStore,
  SendLeaseStore,
  SolanaChainManifest,
  StageConfig,
  SvmVoucherCheckpointStore,
} from "@slabridge/core";
import type { GuardianSet, VaaId } from "@slabridge/wormhole";
import { Connection, PublicKey } from "@solana/web3.js";
import { SolanaSender } from "../sender/SolanaSender.ts";
import type { SplitEntry } from "../settlement/planSolanaSettlement.ts";
import { receiveSolanaVerdict, solanaSettlementJobs } from "./receiveSolanaVerdict.ts";
import { solanaChainNetting } from "./SolanaChainNetting.ts";
import { SolanaDepositReturner } from "./SolanaDepositReturner.ts";
import {
  DEFAULT_CLAIM_DELAY_MS,
  SolanaReceiptConfigError,
  type SolanaReceiptPublisher,
  SolanaReceiptSource,
} from "./SolanaReceiptSource.ts";
import { SolanaSettlementTarget } from "./SolanaSettlementTarget.ts";
import { SolanaVerdictSource } from "./SolanaVerdictSource.ts";
import { SolanaVoucherClaimer } from "./SolanaVoucherClaimer.ts";
import { SolanaWatcher, vaultScanCursorId } from "./SolanaWatcher.ts";
import { solanaOperatorSigners } from "./solanaOperatorSigners.ts";
import type { VaultAccess } from "./VaultAccess.ts";

/** What a Solana cluster needs of the home chain: its Wormhole identity, its guardian sets and its split tables. */
export interface SolanaHomeChain {
  /** Wormhole chain id of the home chain. */
  wormholeChainId: number;
  /** The home WormholeMessenger: the only emitter whose verdicts Solana acts on. */
  messenger: Hex;
  /** The guardian sets the home chain's core accepts (a `GuardianSetCache` on the home chain). */
  guardianSets: { forIndex(index: number): Promise<GuardianSet> };
  /** The model's split table for the epoch (home ModelRegistry `payees(modelId, epoch)`), in table order. */
  payees(modelId: bigint, epoch: bigint): Promise<readonly SplitEntry[]>;
  /**
   * The model's `verdictGraceEpochs` term for the epoch (home ModelRegistry `termsAt(modelId, epoch)`). Absent: the
   * settlement target assumes `DEFAULT_SOLANA_VERDICT_GRACE_EPOCHS` (2).
   */
  verdictGraceEpochs?(modelId: bigint, epoch: bigint): Promise<number>;
}

/** Options of {@link createSolanaChain}. */
export interface CreateSolanaChainOptions {
  chain: SolanaChainManifest;
  manifest: DeploymentManifest;
  config: StageConfig;
  /** The cluster's RPC URL; without it there is a verdict source but no watcher pass or settlement target. */
  rpcUrl: string | undefined;
  cursors: CursorStore;
  /** The vault's send leases (one per (model, epoch), shared by refunds, payouts and netted payouts). */
  leases: SendLeaseStore;
  payments: PaymentStore;
  clock: Clock;
  /** Where the watcher's jobs go (the relay engine). */
  intake: JobIntake;
  /** The guardian API (verdict VAAs, the emitter's messages). */
  guardian: { getSignedVaa(id: VaaId, options?: { maxAttempts?: number }): Promise<Uint8Array> };
  home: SolanaHomeChain;
  /**
   * Publishes receipt batches from slabridge's Solana emitter (the devnet guardian on the devnet). Absent in AWS
   * until a Solana program posts them: receipt jobs then fail with `SolanaPublisherMissingError`.
   */
  publisher?: SolanaReceiptPublisher | undefined;
  /**
   * How long after an epoch's end its payments are surely finalized and recorded. Default: the stage config's
   * `finalityLagMs` for this cluster (required there outside the devnet), else 0 (the devnet finalizes at once).
   */
  finalityLagMs?: number | undefined;
  /** Whether a messenger delivers to a chain (the emitter's messages become deliver-message jobs only for those). */
  delivers(chainId: number): boolean;
  /** Signs with the manifest's `kms` operator keys (absent: only key-file operators can sign, e.g. the devnet's). */
  kms?: KMSClient | undefined;
  /**
   * The gateways' Solana voucher checkpoints. With it (and the operator keys) each epoch's per-call vouchers are
   * pulled into the vault before its receipts go home (`SolanaVoucherClaimer`); without it nothing is claimed.
   */
  checkpoints?: SvmVoucherCheckpointStore | undefined;
  /** Ms after an epoch's end before its vouchers are claimed (default 3,000). */
  claimDelayMs?: number | undefined;
}

/** The Solana implementation of the chain-family port. */
export interface SolanaChain extends ChainAdapter {
  readonly family: "solana";
  readonly chain: SolanaChainManifest;
  readonly receipts: SolanaReceiptSource;
  /** Verdicts the home chain published to this cluster, verified from their VAAs. */
  readonly verdicts: SolanaVerdictSource;
  /** Refunds and payouts out of the vault (absent without the RPC URL or usable operator keys). */
  readonly settlement?: SolanaSettlementTarget;
  /** Its part in netting: base58 payees, the vault's own records, a vault that pays its own payees. */
  readonly netting: ChainNetting;
}

/**
 * Builds the adapter of one Solana cluster: the vault and emitter watcher, the receipt source (batches published
 * through slabridge's emitter), the verdict source (the home WormholeMessenger as the only trusted emitter, guardian
 * sets read from the home chain's core) and, when the RPC URL and the operator keys are at hand, the settlement
 * target paying refunds and payouts out of the vault with `threshold` operators (the first one pays the fees).
 * Messages the home chain sends here are taken at the message level (`receive`: a verdict becomes its jobs).
 *
 * @example
 * const solana = createSolanaChain({ chain, manifest, config, rpcUrl, cursors, leases, payments, clock, intake, guardian,
 *   home, publisher, delivers: (id) => id !== chain.chainId });
 * await solana.watch();
 */
export function createSolanaChain(options: CreateSolanaChainOptions): SolanaChain {
  const { chain, manifest, config, clock } = options;
  // Only the Wormhole emitter leaves Solana: fail at cold start rather than on every receipt job.
  const route = config.routes.find(
    (r) => r.source === chain.chainId && r.destination === manifest.homeChainId && r.kind === "ReceiptBatch",
  );
  if (route && route.transport !== "wormhole") {
    throw new SolanaReceiptConfigError(`the Solana ReceiptBatch route must use wormhole, not ${route.transport}`);
  }
  const finalityLagMs = solanaFinalityLagMs(options);
  const { rpcUrl } = options;
  const access = rpcUrl ? vaultAccess(options, rpcUrl) : undefined;
  const claimer =
    access && options.checkpoints
      ? new SolanaVoucherClaimer({ access, checkpoints: options.checkpoints, now: () => clock.now() })
      : undefined;
  const receipts = new SolanaReceiptSource({
    chainId: chain.chainId,
    homeChainId: manifest.homeChainId,
    models: manifest.models,
    payments: options.payments,
    cursors: options.cursors,
    publisher: options.publisher,
    vaultScanCursorId: vaultScanCursorId(chain.vault),
    finalityLagMs,
    claimer,
    ...(options.claimDelayMs === undefined ? {} : { claimDelayMs: options.claimDelayMs }),
    now: () => clock.now(),
  });
  const verdicts = new SolanaVerdictSource({
    cursors: options.cursors,
    guardian: options.guardian,
    guardianSets: options.home.guardianSets,
    home: { wormholeChainId: options.home.wormholeChainId, messenger: options.home.messenger },
  });
  const settlement = access ? settlementTarget(options, access, verdicts) : undefined;
  const returner = access
    ? new SolanaDepositReturner({
        ...access,
        cursors: options.cursors,
        epochOf: (modelId, blockTime) => {
          const model = manifest.models.find((m) => BigInt(m.modelId) === modelId);
          if (!model || blockTime < model.genesis) return undefined;
          return BigInt(Math.floor((blockTime - model.genesis) / model.epochSeconds));
        },
        now: () => clock.now(),
      })
    : undefined;
  const receiptsDueAfterMs = claimer ? (options.claimDelayMs ?? DEFAULT_CLAIM_DELAY_MS) : 0;
  const watcher = rpcUrl
    ? new SolanaWatcher({ ...options, solana: chain, rpcUrl, returner, receiptsDueAfterMs })
    : undefined;
  const jobs = { chainId: chain.chainId, clock };
  return {
    family: "solana",
    chainId: chain.chainId,
    name: chain.name,
    chain,
    receipts,
    verdicts,
    ...(settlement ? { settlement } : {}),
    netting: solanaChainNetting({ chainId: chain.chainId, payments: options.payments, settlement }),
    async watch() {
      if (!watcher) throw new SolanaReceiptConfigError(`no RPC URL for ${chain.name}: it cannot be watched`);
      return watcher.watch();
    },
    settlementJobs: (ref) => solanaSettlementJobs(jobs, ref),
    receive: (message) =>
      receiveSolanaVerdict(
        { chainId: chain.chainId, homeChainId: manifest.homeChainId, verdicts, intake: options.intake, clock },
        message,
      ),
  };
}

/** The vault's cluster, keys and lease store, or undefined when the operators are not keys this deployment holds. */
function vaultAccess(options: CreateSolanaChainOptions, rpcUrl: string): VaultAccess | undefined {
  const { chain } = options;
  const operators = solanaOperatorSigners(chain, { kms: options.kms });
  const [feePayer] = operators ?? [];
  if (!operators || !feePayer) return undefined;
  const connection = new Connection(rpcUrl, { commitment: "confirmed", disableRetryOnRateLimit: true });
  return {
    chainId: chain.chainId,
    connection,
    sender: new SolanaSender({
      connection,
      payer: feePayer,
      priorityFee: { microLamports: 1_000, bumpFactor: 2, max: 100_000 },
      confirmTimeoutMs: 90_000,
    }),
    feePayer: feePayer.publicKey,
    operators,
    vault: new PublicKey(chain.vault),
    multisig: new PublicKey(chain.multisig),
    mint: new PublicKey(chain.mint),
    decimals: chain.decimals,
    leases: options.leases,
  };
}

/** The vault's settlement target (refunds and payouts out of the vault). */
function settlementTarget(
  options: CreateSolanaChainOptions,
  access: VaultAccess,
  verdicts: SolanaVerdictSource,
): SolanaSettlementTarget {
  const { chain } = options;
  return new SolanaSettlementTarget({
    ...access,
    payments: options.payments,
    cursors: options.cursors,
    verdicts,
    payees: (modelId, epoch) => options.home.payees(modelId, epoch),
    ...(options.home.verdictGraceEpochs ? { verdictGraceEpochs: options.home.verdictGraceEpochs } : {}),
    models: options.manifest.models,
    vaultScanCursorId: vaultScanCursorId(chain.vault),
    finalityLagMs: solanaFinalityLagMs(options),
    now: () => options.clock.now(),
  });
}

/**
 * How long after an epoch's end the cluster's payments are surely finalized and recorded: the option, else the stage
 * config's `finalityLagMs` for the cluster, else 0 (the devnet).
 *
 * @example solanaFinalityLagMs({ chain, config }) // 30_000 with { chainId, finalityLagMs: 30000 } in config.chains
 */
export function solanaFinalityLagMs(
  options: Pick<CreateSolanaChainOptions, "chain" | "config" | "finalityLagMs">,
): number {
  const configured = options.config.chains.find((c) => c.chainId === options.chain.chainId)?.finalityLagMs;
  return options.finalityLagMs ?? configured ?? 0;
}
