import {
  epochAt,
  epochEndMs,
  evaluateEpoch,
  InsufficientObservationsError,
  type ProbeSample,
  type SlaReport,
} from "@slabridge/core";
import { type MeasureWorld, measuredModels } from "../MeasureWorld.ts";
import { type PublishOutcome, publishVerdictEverywhere } from "./publishVerdictEverywhere.ts";

/** What the evaluator did for one (model, epoch). */
export interface EpochEvaluation {
  modelId: string;
  epoch: string;
  /**
   * submitted: this run recorded the verdict; already-recorded: the oracle had one (this run submitted nothing, or
   * lost a race); no-observations: no bucket reached the prober quorum, nothing to report; failed: see `error`.
   */
  verdict: "submitted" | "already-recorded" | "no-observations" | "failed";
  /** The report submitted by this run. */
  report?: SlaReport;
  published: PublishOutcome[];
  error?: string;
}

/**
 * The probe samples of an epoch as the SLA math takes them: only samples started inside the epoch (a probe of a
 * round scheduled just before the end can start just after it), from configured vantage points, with the round
 * trip rounded up to whole ms (a report never understates latency).
 *
 * @example const samples = await epochSamples(world, 2n, 7n, { genesis, epochSeconds });
 */
async function epochSamples(
  world: Pick<MeasureWorld, "samples" | "probing">,
  modelId: bigint,
  epoch: bigint,
  endMs: number,
  epochMs: number,
): Promise<ProbeSample[]> {
  const vantages = new Set(world.probing.vantagePoints.map((v) => v.name));
  const records = await world.samples.listEpoch(modelId, epoch);
  return records
    .filter((r) => vantages.has(r.vantage) && r.startedAt >= endMs - epochMs && r.startedAt < endMs)
    .map((r) => ({ prober: r.vantage, atMs: r.startedAt, latencyMs: Math.ceil(r.rttMs), ok: r.ok }));
}

async function evaluateOne(
  world: MeasureWorld,
  modelId: bigint,
  epoch: bigint,
  endMs: number,
  epochMs: number,
): Promise<EpochEvaluation> {
  const ids = { modelId: modelId.toString(), epoch: epoch.toString() };
  let verdict: EpochEvaluation["verdict"] = "already-recorded";
  let report: SlaReport | undefined;
  if (!(await world.home.hasVerdict(modelId, epoch))) {
    const [samples, terms] = await Promise.all([
      epochSamples(world, modelId, epoch, endMs, epochMs),
      world.home.slaTermsAt(modelId, epoch),
    ]);
    try {
      report = evaluateEpoch({
        modelId,
        epoch,
        terms,
        samples,
        probers: world.probing.vantagePoints.map((v) => v.name),
        quorum: world.probing.quorum,
        bucketMs: world.probing.uptimeBucketSeconds * 1_000,
      });
    } catch (error) {
      if (error instanceof InsufficientObservationsError) return { ...ids, verdict: "no-observations", published: [] };
      throw error;
    }
    verdict = (await world.home.submitReport(report)) === "recorded" ? "submitted" : "already-recorded";
  }
  const published = await publishVerdictEverywhere(world, modelId, epoch);
  return { ...ids, verdict, ...(report === undefined || verdict !== "submitted" ? {} : { report }), published };
}

/**
 * The evaluator's pass: for each measured model, each epoch that is over (by at least `evaluationGraceSeconds`, so
 * every prober's last samples are in) and at most `lookbackEpochs` old: with no verdict on the SlaOracle yet, load
 * its samples, evaluate them (core `evaluateEpoch`: DDSketch percentiles, quorum uptime by buckets, refund from the
 * epoch's on-chain terms, samples Merkle root), sign the report M-of-N and submit it once; then publish the verdict
 * to every payment chain that has not got it. Epochs are independent: one failing is reported, the rest go on.
 *
 * @example const evaluations = await evaluateDueEpochs(world, Date.now());
 */
export async function evaluateDueEpochs(world: MeasureWorld, nowMs: number): Promise<EpochEvaluation[]> {
  const { lookbackEpochs, evaluationGraceSeconds } = world.probing;
  const evaluations: EpochEvaluation[] = [];
  for (const modelId of measuredModels(world)) {
    const clock = await world.home.modelClock(modelId);
    const epochMs = Number(clock.epochSeconds) * 1_000;
    const current = epochAt(clock, nowMs);
    const first = current > BigInt(lookbackEpochs) ? current - BigInt(lookbackEpochs) : 0n;
    for (let epoch = first; epoch < current; epoch++) {
      const endMs = epochEndMs(clock, epoch);
      if (endMs + evaluationGraceSeconds * 1_000 > nowMs) continue;
      try {
        evaluations.push(await evaluateOne(world, modelId, epoch, endMs, epochMs));
      } catch (error) {
        evaluations.push({
          modelId: modelId.toString(),
          epoch: epoch.toString(),
          verdict: "failed",
          published: [],
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
  }
  return evaluations;
}
