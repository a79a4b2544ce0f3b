import { epochEndMs, type Hex, InsufficientObservationsError, type SlaReport } from "@slabridge/core";
import { CosignRefusedError, MeasureConfigError } from "../errors.ts";
import type { ProberWorld } from "../MeasureWorld.ts";
import { getVerified } from "./BlobStore.ts";
import { type CosignRequest, type CosignResponse, reportOfRequest } from "./cosignRequest.ts";
import { decodeEvidenceBundle, reportFromSamples, trustedReceipts, trustedSamples } from "./evidenceBundle.ts";

const FIELDS = [
  "p50Ms",
  "p95Ms",
  "p99Ms",
  "uptimeBps",
  "sampleCount",
  "samplesRoot",
  "receiptCount",
  "receiptsRoot",
  "refundBps",
] as const;

/**
 * A prober's second step, after the epoch: it fetches the published evidence bundle, checks it hashes to its
 * address, that it is the bundle of this (model, epoch) in this deployment, that every sample set in it is signed
 * by its registered vantage point and every usage receipt by one of the gateway's registered receipt keys, recomputes the report itself (terms read from the home chain, the same
 * `reportFromSamples` as the evaluator) and signs the report's oracle digest with its own key only if every figure
 * matches. So a report on chain needs M probers that each saw the evidence and agree, not one evaluator's word.
 *
 * @throws {CosignRefusedError} when the evidence is missing, altered, foreign or disagrees with the report.
 * @example const { signature } = await cosignReport(world, "local-1", request);
 */
export async function cosignReport(
  world: ProberWorld,
  vantage: string,
  request: CosignRequest,
): Promise<CosignResponse> {
  const registered = world.registry.probers.get(vantage);
  if (registered === undefined || registered !== world.key.address) {
    throw new MeasureConfigError(`vantage point ${vantage} does not hold the key registered for it`);
  }
  const refuse = (details: string) => new CosignRefusedError(vantage, details);
  const proposed = reportOfRequest(request);
  const bytes = await getVerified(world.blobs, request.bundle as Hex);
  if (bytes === undefined) throw refuse(`no evidence bundle hashing to ${request.bundle}`);
  const decoded = decodeEvidenceBundle(bytes);
  if (decoded === undefined) throw refuse("the evidence bundle is not a bundle");
  const { bundle, records, receipts } = decoded;
  const { domain } = world.registry;
  if (
    bundle.modelId !== request.modelId ||
    bundle.epoch !== request.epoch ||
    bundle.domain.chainId !== domain.chainId ||
    bundle.domain.verifier !== domain.verifier.toLowerCase()
  ) {
    throw refuse("the evidence bundle is of another model, epoch or deployment");
  }
  const clock = await world.home.modelClock(proposed.modelId);
  if (world.clock.now() < epochEndMs(clock, proposed.epoch)) throw refuse("the epoch is not over");
  const { trusted, rejected } = trustedSamples(world.registry, records, clock, proposed.epoch);
  if (rejected > 0) throw refuse(`${rejected} sample sets in the bundle are not signed by their vantage point`);
  const paid = trustedReceipts(world.gatewaySigners ?? [], receipts, proposed.modelId, proposed.epoch);
  if (paid.rejected > 0) throw refuse(`${paid.rejected} usage receipts in the bundle are not the gateway's`);

  const terms = await world.home.slaTermsAt(proposed.modelId, proposed.epoch);
  let recomputed: SlaReport;
  try {
    recomputed = reportFromSamples({
      ...proposed,
      terms,
      records: trusted,
      receipts: paid.trusted,
      registry: world.registry,
      probing: world.probing,
    });
  } catch (error) {
    if (error instanceof InsufficientObservationsError) throw refuse("the evidence has no observed bucket");
    throw error;
  }
  const differing = FIELDS.filter((f) => String(recomputed[f]).toLowerCase() !== String(proposed[f]).toLowerCase());
  if (differing.length > 0) {
    throw refuse(differing.map((f) => `${f}: proposed ${proposed[f]}, recomputed ${recomputed[f]}`).join("; "));
  }
  const signature = await world.key.signDigest(await world.home.reportDigest(recomputed));
  return { vantage, signer: world.key.address, signature };
}
