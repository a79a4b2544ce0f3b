import { SlabridgeError } from "../errors/SlabridgeError.ts";
import type { Hex } from "../hex/hex.ts";
import type { TransportName } from "../jobs/jobTypes.ts";
import type { SlaReport, SlaTerms } from "../sla/index.ts";

/** A model's epoch clock as the registry defines it: epoch e spans [genesis + e*epochSeconds, +epochSeconds). */
export interface ModelClock {
  /** Unix seconds of epoch 0. */
  readonly genesis: bigint;
  readonly epochSeconds: bigint;
}

/** One prober's co-signature of a report: its address and its signature of the report's oracle digest. */
export interface ReportSignature {
  readonly signer: Hex;
  readonly signature: Hex;
}

/** How a report submission ended. */
export type SubmitReportResult = "recorded" | "already-recorded";

/**
 * What measuring needs from the home chain (ModelRegistry + SlaOracle + its messengers), so the evaluation pipeline
 * can be tested against a stand-in and runs against `EvmHomeChain` (`@slabridge/evm`) in AWS and on the devnet.
 *
 * @example if (!(await home.hasVerdict(2n, 7n))) await home.submitReport(report);
 */
export interface HomeChain {
  readonly chainId: number;
  modelClock(modelId: bigint): Promise<ModelClock>;
  /** The host endpoint listed on the Model NFT. */
  hostOf(modelId: bigint): Promise<string>;
  slaTermsAt(modelId: bigint, epoch: bigint): Promise<SlaTerms>;
  hasVerdict(modelId: bigint, epoch: bigint): Promise<boolean>;
  /** The recorded verdict; `recordedAt` 0 when there is none. */
  verdictOf(modelId: bigint, epoch: bigint): Promise<{ refundBps: number; recordedAt: bigint }>;
  /** The digest the SlaOracle verifies prober signatures of `report` against (EIP-712 `hashReport`). */
  reportDigest(report: SlaReport): Promise<Hex>;
  /**
   * Submits `report` once with the probers' co-signatures (put in the oracle's order here); a verdict already there
   * counts as done. Without `signatures`, signs with the keys the implementation was given (tests, legacy).
   */
  submitReport(report: SlaReport, signatures?: readonly ReportSignature[]): Promise<SubmitReportResult>;
  /** Whether a VerdictPublished(modelId, epoch, dstChain) log exists (searched back to the verdict's recording). */
  wasPublished(modelId: bigint, epoch: bigint, dstChain: number): Promise<boolean>;
  /**
   * `SlaOracle.publishVerdict` through the transport's messenger, paying its quote; resolves with the tx hash.
   *
   * @throws {VerdictAwaitsReceiptsError} when the verdict slashes the host's bond and a payment chain's receipts for
   * the epoch are not all on the home ledger yet (the slash is split by them)
   * @throws {VerdictAlreadyPublishedError} when it already left for `dstChain` through that transport's messenger
   */
  publishVerdict(modelId: bigint, epoch: bigint, dstChain: number, transport: TransportName): Promise<string>;
}

/**
 * A breach verdict of a bonded model travels with the buyers' share of the slashed bond, split per payment chain by
 * that chain's receipts; so it is published only once every payment chain's receipt batches for the epoch reached
 * the home ledger. Not a failure: the relay delivers the receipts and the evaluator's next run publishes.
 *
 * @example if (error instanceof VerdictAwaitsReceiptsError) outcome = "waiting";
 */
export class VerdictAwaitsReceiptsError extends SlabridgeError {
  override readonly name = "VerdictAwaitsReceiptsError" as const;
  constructor(
    readonly modelId: bigint,
    readonly epoch: bigint,
    readonly paymentChain: number,
  ) {
    super(
      `the verdict of model ${modelId} epoch ${epoch} waits for the receipts of chain ${paymentChain} (its bond slash is split by them)`,
      { retryable: true },
    );
  }
}

/**
 * The oracle sends a verdict to a chain through one messenger once: another run (an overlapping schedule, another
 * bot) published it between our check and our send. Not a failure: the work is done.
 *
 * @example if (error instanceof VerdictAlreadyPublishedError) outcome = "already-published";
 */
export class VerdictAlreadyPublishedError extends SlabridgeError {
  override readonly name = "VerdictAlreadyPublishedError" as const;
  constructor(
    readonly modelId: bigint,
    readonly epoch: bigint,
    readonly dstChain: number,
  ) {
    super(`the verdict of model ${modelId} epoch ${epoch} already left for chain ${dstChain}`, { retryable: false });
  }
}

/**
 * Whether a payment chain's escrow already applied the verdict of (model, epoch); undefined when this build cannot
 * tell for that chain (Solana: the vault has no on-chain verdict state yet).
 *
 * @example if (await escrows.verdictApplied(31337, 2n, 7n)) skip();
 */
export interface EscrowVerdicts {
  verdictApplied(chainId: number, modelId: bigint, epoch: bigint): Promise<boolean | undefined>;
}

/**
 * The epoch of a model at `nowMs` (wall clock: local anvils mine only on transactions, so the chain's latest block
 * can lag; real chains keep pace with it).
 *
 * @example epochAt({ genesis: 100n, epochSeconds: 6n }, 112_500) // 2n
 */
export function epochAt(clock: ModelClock, nowMs: number): bigint {
  const now = BigInt(Math.floor(nowMs / 1_000));
  return now < clock.genesis ? 0n : (now - clock.genesis) / clock.epochSeconds;
}

/**
 * When epoch `epoch` of a model ends, in unix ms.
 *
 * @example epochEndMs({ genesis: 100n, epochSeconds: 6n }, 2n) // 118_000
 */
export function epochEndMs(clock: ModelClock, epoch: bigint): number {
  return Number((clock.genesis + (epoch + 1n) * clock.epochSeconds) * 1_000n);
}
