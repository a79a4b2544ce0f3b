import type { Hex } from "../hex/hex.ts";

/** One refund tier (ModelTypes.sol `RefundTier`): when uptime is strictly below `uptimeBelowBps`, refund `refundBps`. */
export interface RefundTier {
  readonly uptimeBelowBps: number;
  readonly refundBps: number;
}

/**
 * SLA terms of one epoch, the shape of ModelTypes.sol `SlaTerms` (and of what viem returns for
 * `ModelRegistry.slaTermsAt`), so on-chain terms can be passed as they are read.
 *
 * @example
 * ```ts
 * const terms: SlaTerms = { maxP95LatencyMs: 500, minUptimeBps: 9_900, probeTimeoutMs: 2_000,
 *   latencyBreachRefundBps: 2_500, tiers: [{ uptimeBelowBps: 9_900, refundBps: 1_000 }] };
 * ```
 */
export interface SlaTerms {
  readonly maxP95LatencyMs: number;
  readonly minUptimeBps: number;
  readonly probeTimeoutMs: number;
  readonly latencyBreachRefundBps: number;
  readonly tiers: readonly RefundTier[];
}

/**
 * One probe of a model host.
 *
 * @example
 * ```ts
 * const s: ProbeSample = { prober: "local-1", round: 1_700_000_000_000, atMs: 1_700_000_000_004, latencyMs: 120, ok: true };
 * ```
 */
export interface ProbeSample {
  /** Who probed: a prober id (its signer address in practice). Must be one of the epoch's probers. */
  readonly prober: string;
  /** The probe round it belongs to: the round's scheduled start, unix milliseconds (a non-negative integer). */
  readonly round: number;
  /** When the probe was sent, unix milliseconds (a non-negative integer). */
  readonly atMs: number;
  /** Milliseconds until the answer or until the prober gave up (a non-negative integer, at most uint32). */
  readonly latencyMs: number;
  /** Whether the host gave a valid answer (false for errors, refused connections and timeouts). */
  readonly ok: boolean;
}

/**
 * The fields of ModelTypes.sol `Report`: what probers sign (EIP-712) and submit to the SlaOracle.
 *
 * @example
 * ```ts
 * const report: SlaReport = evaluateEpoch({ modelId: 1n, epoch: 7n, terms, samples, probers, quorum: 2, bucketMs: 60_000 });
 * ```
 */
export interface SlaReport {
  /** uint256 */
  readonly modelId: bigint;
  /** uint64 */
  readonly epoch: bigint;
  /** uint32 */
  readonly p50Ms: number;
  /** uint32 */
  readonly p95Ms: number;
  /** uint32 */
  readonly p99Ms: number;
  /** uint16, at most 10,000 */
  readonly uptimeBps: number;
  /** uint32, at least 1 */
  readonly sampleCount: number;
  /** bytes32 */
  readonly samplesRoot: Hex;
  /** uint32: how many paid calls' usage records the verdict took as evidence (0 for a model not sold per call) */
  readonly receiptCount: number;
  /** bytes32: Merkle root of those usage records (`usageRecordsRoot`), bytes32(0) when there are none */
  readonly receiptsRoot: Hex;
  /** uint16, at most 10,000 */
  readonly refundBps: number;
}
