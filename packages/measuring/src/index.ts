/**
 * @slabridge/measuring: the measuring workflow. A coordinator fans each probe round out to one prober per vantage
 * point; probers send buyer-like inference requests with the SLA's timeout and record one signed sample per host as it
 * arrives; the evaluator turns an ended epoch's signed samples into an SLA report, publishes them as content-addressed
 * evidence, has the probers recompute and co-sign it, submits it through the HomeChain port, and publishes the verdict
 * to every payment chain. Chain access goes through core's `HomeChain` and `EscrowVerdicts`
 * ports; nothing here depends on a chain SDK.
 */
export { type BlobStore, getVerified, MemoryBlobStore } from "./attest/BlobStore.ts";
export { cosignReport } from "./attest/cosignReport.ts";
export {
  type CosignRequest,
  type CosignResponse,
  cosignRequestOf,
  cosignRequestSchema,
  cosignResponseSchema,
  isCosignRequest,
  parseCosignRequest,
  reportOfRequest,
} from "./attest/cosignRequest.ts";
export {
  decodeEvidenceBundle,
  type EvidenceBundle,
  encodeEvidenceBundle,
  evidenceBundleSchema,
  evidenceName,
  reportFromSamples,
  trustedSamples,
} from "./attest/evidenceBundle.ts";
export { type ProberKey, privateKeyProberKey, recoverSigner } from "./attest/ProberKey.ts";
export { type ProberRegistry, proberRegistryOf } from "./attest/ProberRegistry.ts";
export { EvidenceStoreError, S3BlobStore } from "./attest/S3BlobStore.ts";
export { isSignedByItsVantage, sampleRecordDigest, signSampleRecord, slaSampleOf } from "./attest/signedSamples.ts";
export { type FanOutResult, fanOutProbeRound } from "./coordinator/fanOutProbeRound.ts";
export { ProberInvoker, type ProberInvokerOptions } from "./coordinator/ProberInvoker.ts";
export { type ProbeTargets, readProbeTargets } from "./coordinator/readProbeTargets.ts";
export {
  CosignRefusedError,
  InvalidProbePayloadError,
  MeasureConfigError,
  ProberInvokeError,
  SignatureError,
  UnsupportedSignerError,
} from "./errors.ts";
export { type EpochEvaluation, evaluateDueEpochs } from "./evaluator/evaluateDueEpochs.ts";
export {
  type PublishOutcome,
  publishVerdictEverywhere,
  verdictDestinations,
} from "./evaluator/publishVerdictEverywhere.ts";
export {
  type MeasureWorld,
  measuredModels,
  type ProbePayer,
  type ProbeRoute,
  type ProbeRoutes,
  type ProberWorld,
} from "./MeasureWorld.ts";
export { type CompletionResponse, completionResponseSchema } from "./probe/completionResponseSchema.ts";
export { ProbeConfigError } from "./probe/ProbeConfigError.ts";
export {
  type ProbeOutcome,
  type ProbeSample,
  probeOutcomeSchema,
  probeOutcomes,
  probeSampleSchema,
} from "./probe/ProbeSample.ts";
export {
  assertProbeOptions,
  type FetchLike,
  isProbeSkip,
  type PaidCallState,
  type PaidFetchLike,
  type ProbeHostOptions,
  type ProbeResult,
  type ProbeSkip,
  probeHost,
  probeViaGateway,
} from "./probe/probeHost.ts";
export { buyerClientHeaders, drawProbePrompt, type ProbePrompt } from "./probe/promptCorpus.ts";
export {
  type RecordProbeRoundOptions,
  type RecordProbeRoundResult,
  ROUND_DEADLINE_MARGIN_MS,
  recordProbeRound,
} from "./probe/recordProbeRound.ts";
export {
  type ProbeRound,
  type ProbeRoundOptions,
  type ProbeRoundSummary,
  type ProbeTarget,
  runProbeRound,
} from "./probe/runProbeRound.ts";
export {
  isProbeableEndpoint,
  MAX_ENDPOINT_LENGTH,
  type ProbeRoundPayload,
  type ProbeTargetPayload,
  parseProbeRoundPayload,
  probeRoundPayloadSchema,
  probeTargetPayloadSchema,
  roundStartOf,
} from "./probeRoundPayload.ts";
