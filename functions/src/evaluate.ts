import { Logger } from "@aws-lambda-powertools/logger";
import type { SlaReport } from "@slabridge/core";
import { type EpochEvaluation, evaluateDueEpochs, type MeasureWorld } from "@slabridge/measuring";
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
  return async (_event?: unknown): Promise<{ evaluations: EvaluationResult[] }> => {
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
    return { evaluations: evaluations.map(jsonSafe) };
  };
}

/** An evaluation as the function returns it: a Lambda result is JSON, which has no bigint. */
export type EvaluationResult = Omit<EpochEvaluation, "report"> & {
  report?: Omit<SlaReport, "modelId" | "epoch"> & { modelId: string; epoch: string };
};

function jsonSafe(evaluation: EpochEvaluation): EvaluationResult {
  const { report, ...rest } = evaluation;
  return report ? { ...rest, report: { ...report, modelId: `${report.modelId}`, epoch: `${report.epoch}` } } : rest;
}

export const handler = createEvaluateHandler(() => measureWorldFromEnv());
