// SLA evaluation: latency sketches, quorum uptime, the on-chain refund rule, samples Merkle root, epoch reports.
export { InsufficientObservationsError, InvalidSlaInputError } from "./errors.ts";
export { type EvaluateEpochInput, effectiveLatencyMs, evaluateEpoch } from "./evaluateEpoch.ts";
export { LATENCY_SKETCH_RELATIVE_ACCURACY, LatencySketch } from "./LatencySketch.ts";
export { MAX_PROBE_TIMEOUT_MS } from "./limits.ts";
export { pickRefundBps, type RefundInputs } from "./pickRefundBps.ts";
export {
  SAMPLE_SET_TYPE,
  type SampleSetClaim,
  type SampleSetDomain,
  sampleSetDigest,
} from "./sampleSetDigest.ts";
export { sampleLeaf, samplesRoot } from "./samplesRoot.ts";
export type { ProbeSample, RefundTier, SlaReport, SlaTerms } from "./types.ts";
export { reachedInTime, type UptimeOptions, type UptimeResult, uptimeByBuckets } from "./uptimeByBuckets.ts";
export { type PaidBucket, paidBuckets, type UsageRecord, usageRecordLeaf, usageRecordsRoot } from "./usageRecords.ts";
