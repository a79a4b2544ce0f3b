import { Logger } from "@aws-lambda-powertools/logger";
import {
  type CosignResponse,
  cosignReport,
  type FetchLike,
  isCosignRequest,
  MeasureConfigError,
  type ProberWorld,
  parseCosignRequest,
  parseProbeRoundPayload,
  type RecordProbeRoundResult,
  recordProbeRound,
} from "@slabridge/measuring";
import { proberWorldFromEnv } from "./context/measuring/measureWorldFromEnv.ts";

const logger = new Logger({ serviceName: "slabridge-probe" });

/**
 * Prober function of one vantage point. Co-sign requests (synchronous, from the evaluator): `cosignReport`. Probe
 * rounds (asynchronous, from the coordinator): validates the round payload
 * (a bad one is a typed error and probes nothing), probes every target not yet recorded for this (vantage, round)
 * with bounded concurrency and the SLA timeout, and records each sample under the vantage point as it arrives; the
 * round ends before the function's time does (`context.getRemainingTimeInMillis`).
 *
 * @example runtime.addFunction("prober-local-1", createProbeHandler(async () => world, "local-1"));
 */
export function createProbeHandler(
  getWorld: () => Promise<ProberWorld>,
  vantage: string,
  options: { fetch?: FetchLike } = {},
) {
  return async (
    event: unknown,
    context?: { getRemainingTimeInMillis(): number },
  ): Promise<RecordProbeRoundResult | CosignResponse> => {
    // Second step, after an epoch: the evaluator asks this prober to recompute a report from the published evidence
    // and co-sign it with this vantage point's own key (a refusal is a typed error the evaluator reports).
    if (isCosignRequest(event)) {
      const request = parseCosignRequest(event);
      const answer = await cosignReport(await getWorld(), vantage, request);
      logger.info("report co-signed", {
        vantage,
        modelId: request.modelId,
        epoch: request.epoch,
        bundle: request.bundle,
      });
      return answer;
    }
    const payload = parseProbeRoundPayload(event);
    const world = await getWorld();
    if (!world.probing.vantagePoints.some((v) => v.name === vantage)) {
      throw new MeasureConfigError(`vantage point ${vantage} is not in the probing config`);
    }
    // The round ends before the function is killed: what was measured is kept, pending hosts count as timeouts.
    const result = await recordProbeRound(world, vantage, payload, {
      ...options,
      ...(context === undefined ? {} : { remainingTimeMs: () => context.getRemainingTimeInMillis() }),
    });
    logger.info("probe round recorded", { ...result });
    return result;
  };
}

/** In AWS the function's vantage point is `SLABRIDGE_VANTAGE` (set per region by the stack), else its region. */
export const handler = createProbeHandler(
  () => proberWorldFromEnv(),
  process.env.SLABRIDGE_VANTAGE ?? process.env.AWS_REGION ?? "unknown",
);
