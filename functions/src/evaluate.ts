import { Logger } from "@aws-lambda-powertools/logger";
import { type EpochEvaluation, evaluateDueEpochs } from "./context/measuring/evaluateDueEpochs.ts";
import type { MeasureWorld } from "./context/measuring/MeasureWorld.ts";
import { measureWorldFromEnv } from "./context/measuring/measureWorldFromEnv.ts";

const logger = new Logger({ serviceName: "slabridge-evaluate" });

/**
 * Evaluator schedule: every ended, un-judged epoch of every measured model is evaluated from its samples, signed
 * M-of-N and submitted once to the home chain's SlaOracle; every recorded verdict is published to the payment chains
 * that have not got it. Idempotent (checks the oracle and the home chain's VerdictPublished logs first). Throws after
 * the pass when an epoch or a destination failed, so the schedule retries; the rest of the pass is kept.
 *
 * @example export const handler = createEvaluateHandler(async () => world); // local runtime
 */
export function createEvaluateHandler(getWorld: () => Promise<MeasureWorld>) {
  return async (_event?: unknown): Promise<{ evaluations: EpochEvaluation[] }> => {
    const world = await getWorld();
    const evaluations = await evaluateDueEpochs(world, world.clock.now());
    const acted = evaluations.filter(
      (e) =>
        e.verdict === "submitted" ||
        e.verdict === "failed" ||
        e.published.some((p) => p.result === "published" || p.result === "failed"),
    );
    logger.info("evaluation pass", {
      epochs: evaluations.length,
      withoutObservations: evaluations.filter((e) => e.verdict === "no-observations").length,
      acted: acted.map((e) => ({ ...e, report: e.report && { ...e.report, modelId: e.modelId, epoch: e.epoch } })),
    });
    const failed = evaluations.filter((e) => e.verdict === "failed" || e.published.some((p) => p.result === "failed"));
    if (failed.length > 0) {
      throw new Error(`evaluation failed for ${failed.map((e) => `model ${e.modelId} epoch ${e.epoch}`).join(", ")}`);
    }
    return { evaluations };
  };
}

export const handler = createEvaluateHandler(() => measureWorldFromEnv());
