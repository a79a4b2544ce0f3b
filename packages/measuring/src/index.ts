/**
 * @slabridge/prober: canary inference requests against model hosts, with the SLA's timeout and a high-resolution
 * round-trip time, one sample per probe; rounds over many hosts with bounded concurrency.
 */
export { type CompletionResponse, completionResponseSchema } from "./completionResponseSchema.ts";
export { ProbeConfigError } from "./ProbeConfigError.ts";
export {
  type ProbeOutcome,
  type ProbeSample,
  probeOutcomeSchema,
  probeOutcomes,
  probeSampleSchema,
} from "./ProbeSample.ts";
export { assertProbeOptions, type FetchLike, type ProbeHostOptions, probeHost } from "./probeHost.ts";
export {
  type ProbeRound,
  type ProbeRoundOptions,
  type ProbeRoundSummary,
  type ProbeTarget,
  runProbeRound,
} from "./runProbeRound.ts";
