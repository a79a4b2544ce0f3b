import type { Hex } from "../hex/hex.ts";

/**
 * The samples port: every probe a prober made of a model host, kept as evidence of the epoch's SLA verdict and
 * grouped by (model, epoch) so the evaluator can load an epoch's samples from every vantage point at once.
 */

/** One probe of a model's host by one vantage point in one probe round. Evidence: once stored it never changes. */
export interface SampleRecord {
  modelId: bigint;
  epoch: bigint;
  /** The prober's vantage point (an AWS region, or a local instance name); no `#`. */
  vantage: string;
  /** The probe round (deterministic from the round's scheduled time); no `#`. */
  roundId: string;
  /** Wall clock at request start, unix milliseconds. */
  startedAt: number;
  /** Round trip in milliseconds (to the full answer, or to giving up). */
  rttMs: number;
  /** Whether the host gave a valid answer (only the `ok` outcome). */
  ok: boolean;
  /** How the probe ended (`ok`, `timeout`, `http-error`, `bad-answer`, `network-error`). */
  outcome: string;
  /** HTTP status, when a response arrived. */
  status?: number;
  /**
   * The vantage point's signature of its sample set of (model, epoch, round): this sample (`sampleSetDigest`, see
   * @slabridge/measuring). Only signed samples are evidence.
   */
  signature?: Hex;
}

/** Outcome of recording a sample: "exists" when a sample with the same id was already stored (it is kept). */
export type RecordSampleResult = "created" | "exists";

/**
 * The deterministic id of a sample within its (model, epoch): `<vantage>#<roundId>#<modelId>`, so a vantage point's
 * samples share a prefix and a re-run of the same round maps onto the same ids.
 *
 * @example sampleIdOf({ vantage: "eu-west-1", roundId: "1767225600000", modelId: 2n }) // "eu-west-1#1767225600000#2"
 */
export function sampleIdOf(sample: Pick<SampleRecord, "vantage" | "roundId" | "modelId">): string {
  return `${sample.vantage}#${sample.roundId}#${sample.modelId}`;
}

/**
 * Probe samples, written once each by a conditional put under {@link sampleIdOf}. Recording the same id again is
 * "exists" and keeps the first sample: a duplicated round measures anew, and the first measurement is the evidence.
 *
 * @example
 * if ((await samples.record(s)) === "exists") return; // this round was already recorded by this vantage point
 */
export interface SampleStore {
  record(sample: SampleRecord): Promise<RecordSampleResult>;
  /** The sample stored under `sampleId` of (model, epoch), or undefined. */
  get(modelId: bigint, epoch: bigint, sampleId: string): Promise<SampleRecord | undefined>;
  /** Every sample of one (model, epoch), from every vantage point, ordered by sample id. */
  listEpoch(modelId: bigint, epoch: bigint): Promise<SampleRecord[]>;
}
