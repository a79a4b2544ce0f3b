import {
  epochAt,
  epochEndMs,
  type Hex,
  InsufficientObservationsError,
  mapConcurrently,
  type ReportSignature,
  type SlaReport,
} from "@slabridge/core";
import { cosignRequestOf } from "../attest/cosignRequest.ts";
import {
  encodeEvidenceBundle,
  evidenceName,
  reportFromSamples,
  trustedReceipts,
  trustedSamples,
} from "../attest/evidenceBundle.ts";
import { isSignedBy } from "../attest/ProberKey.ts";
import { SignatureError } from "../errors.ts";
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
  /**
   * The evidence published for the report: the bundle's address in the blob store (also named
   * `verdict/<modelId>/<epoch>`), and how many stored samples and usage receipts were left out for lack of a valid
   * signature (a receipt also when it is not the gateway's).
   */
  evidence?: { bundle: Hex; rejectedSamples: number; rejectedReceipts: number };
  published: PublishOutcome[];
  error?: string;
}

/** Why the co-signatures did not reach the oracle's threshold: each prober's refusal or failure. */
async function collectCosignatures(
  world: MeasureWorld,
  report: SlaReport,
  bundle: Hex,
): Promise<{ signatures: ReportSignature[]; refusals: string[] }> {
  const request = cosignRequestOf(report, bundle);
  const digest = await world.home.reportDigest(report);
  const vantages = world.invoker.vantages.filter((v) => world.registry.probers.has(v));
  const answers = await Promise.allSettled(vantages.map((vantage) => world.invoker.cosign(vantage, request)));
  const signatures: ReportSignature[] = [];
  const refusals: string[] = [];
  answers.forEach((answer, i) => {
    const vantage = vantages[i] ?? String(i);
    if (answer.status === "rejected") {
      refusals.push(`${vantage}: ${answer.reason instanceof Error ? answer.reason.message : String(answer.reason)}`);
      return;
    }
    const { signer, signature } = answer.value;
    // Only a signature of this very report by the key registered for that vantage point counts.
    const registered = world.registry.probers.get(vantage);
    let valid = false;
    try {
      valid = registered === signer.toLowerCase() && isSignedBy(digest, signature as Hex, registered);
    } catch (error) {
      if (!(error instanceof SignatureError)) throw error;
    }
    if (valid) signatures.push({ signer: registered as Hex, signature: signature as Hex });
    else refusals.push(`${vantage}: its co-signature is not its registered key's signature of this report`);
  });
  return { signatures, refusals };
}

async function evaluateOne(world: MeasureWorld, modelId: bigint, epoch: bigint): Promise<EpochEvaluation> {
  const ids = { modelId: modelId.toString(), epoch: epoch.toString() };
  if (await world.home.hasVerdict(modelId, epoch)) {
    return { ...ids, verdict: "already-recorded", published: await publishVerdictEverywhere(world, modelId, epoch) };
  }
  const [records, receiptRows, terms, clock] = await Promise.all([
    world.samples.listEpoch(modelId, epoch),
    world.usageReceipts?.listEpoch(modelId, epoch) ?? [],
    world.home.slaTermsAt(modelId, epoch),
    world.home.modelClock(modelId),
  ]);
  // Only samples signed by their registered vantage point count; unsigned or foreign rows are left out, whoever
  // wrote them to the table.
  const { trusted, rejected } = trustedSamples(world.registry, records, clock, epoch);
  // Likewise only receipts the gateway's registered keys signed are paid traffic's evidence.
  const receipts = trustedReceipts(world.gatewaySigners ?? [], receiptRows, modelId, epoch);
  let report: SlaReport;
  try {
    report = reportFromSamples({
      modelId,
      epoch,
      terms,
      records: trusted,
      receipts: receipts.trusted,
      registry: world.registry,
      probing: world.probing,
    });
  } catch (error) {
    if (error instanceof InsufficientObservationsError) return { ...ids, verdict: "no-observations", published: [] };
    throw error;
  }
  // Published before anyone signs: each prober recomputes the report from exactly these bytes.
  const bundle = await world.blobs.put(
    encodeEvidenceBundle(world.registry.domain, modelId, epoch, trusted, receipts.trusted),
  );
  await world.blobs.link(evidenceName(modelId, epoch), bundle);
  const evidence = { bundle, rejectedSamples: rejected, rejectedReceipts: receipts.rejected };
  const { signatures, refusals } = await collectCosignatures(world, report, bundle);
  if (signatures.length < world.registry.threshold) {
    return {
      ...ids,
      verdict: "failed",
      published: [],
      evidence,
      error: `${signatures.length} of ${world.registry.threshold} co-signatures: ${refusals.join("; ")}`,
    };
  }
  const verdict = (await world.home.submitReport(report, signatures)) === "recorded" ? "submitted" : "already-recorded";
  const published = await publishVerdictEverywhere(world, modelId, epoch);
  return { ...ids, verdict, evidence, ...(verdict === "submitted" ? { report } : {}), published };
}

/**
 * The evaluator's pass: for each measured model, each epoch that is over (by at least `evaluationGraceSeconds`, so
 * every prober's last samples are in) and at most `lookbackEpochs` old: with no verdict on the SlaOracle yet, load
 * its samples signed by their registered vantage points and its usage receipts signed by the gateway, evaluate them
 * (core `evaluateEpoch`: DDSketch percentiles, quorum uptime by buckets with paid traffic as a second witness, refund
 * from the epoch's on-chain terms, samples and receipts Merkle roots), publish the signed sample sets and receipts as
 * a content-addressed evidence bundle, ask every prober to recompute and co-sign the report (the evaluator
 * holds no prober key) and submit it once with M co-signatures; then publish the verdict to every payment chain
 * that has not got it. Epochs are independent: one failing is reported, the rest go on.
 *
 * @example const evaluations = await evaluateDueEpochs(world, Date.now());
 */
export async function evaluateDueEpochs(world: MeasureWorld, nowMs: number): Promise<EpochEvaluation[]> {
  const { lookbackEpochs, evaluationGraceSeconds } = world.probing;
  // Models side by side (their epochs in order): a pass that finds several models' epochs ended is as long as the
  // slowest model's, not their sum. They share the relayer's sender, which keeps one nonce order.
  const perModel = await mapConcurrently(measuredModels(world), MODELS_AT_ONCE, async (modelId) => {
    const evaluations: EpochEvaluation[] = [];
    const clock = await world.home.modelClock(modelId);
    const current = epochAt(clock, nowMs);
    const first = current > BigInt(lookbackEpochs) ? current - BigInt(lookbackEpochs) : 0n;
    for (let epoch = first; epoch < current; epoch++) {
      const endMs = epochEndMs(clock, epoch);
      if (endMs + evaluationGraceSeconds * 1_000 > nowMs) continue;
      try {
        evaluations.push(await evaluateOne(world, modelId, epoch));
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
    return evaluations;
  });
  return perModel.flat();
}

/** Models an evaluation pass works on at once. */
const MODELS_AT_ONCE = 4;
