import {
  type Hex,
  InvalidSlaInputError,
  type ProbeSample,
  type SampleRecord,
  sampleSetDigest,
  samplesRoot,
} from "@slabridge/core";
import { SignatureError } from "../errors.ts";
import type { ProberKey } from "./ProberKey.ts";
import { isSignedBy } from "./ProberKey.ts";
import type { ProberRegistry } from "./ProberRegistry.ts";

/**
 * A stored sample as the SLA math and the samples root take it: the vantage point as prober, the round's start,
 * the round trip rounded up to whole ms (a report never understates latency).
 *
 * @example const sample = slaSampleOf(record); // { prober: "local-1", round, atMs, latencyMs, ok }
 */
export function slaSampleOf(record: SampleRecord): ProbeSample {
  return {
    prober: record.vantage,
    round: Number(record.roundId),
    atMs: record.startedAt,
    latencyMs: Math.ceil(record.rttMs),
    ok: record.ok,
  };
}

/**
 * The digest a vantage point signs for one recorded sample: its sample set of (model, epoch, round) is that one
 * sample (a round probes each host once), so the set's root is the sample's leaf.
 *
 * @example const digest = sampleRecordDigest(registry.domain, record);
 */
export function sampleRecordDigest(domain: ProberRegistry["domain"], record: SampleRecord): Hex {
  return sampleSetDigest(domain, {
    modelId: record.modelId,
    epoch: record.epoch,
    round: Number(record.roundId),
    vantage: record.vantage,
    samplesRoot: samplesRoot(record.modelId, [slaSampleOf(record)]),
  });
}

/**
 * `record` with its vantage point's signature.
 *
 * @example await samples.record(await signSampleRecord(key, registry.domain, record));
 */
export async function signSampleRecord(
  key: ProberKey,
  domain: ProberRegistry["domain"],
  record: SampleRecord,
): Promise<SampleRecord> {
  return { ...record, signature: await key.signDigest(sampleRecordDigest(domain, record)) };
}

/**
 * Whether `record` carries a valid signature of the key registered for its vantage point. Unsigned, malformed or
 * foreign signatures are false (never a throw): such a row is not evidence, whoever wrote it.
 *
 * @example const trusted = records.filter((r) => isSignedByItsVantage(registry, r));
 */
export function isSignedByItsVantage(registry: ProberRegistry, record: SampleRecord): boolean {
  const expected = registry.probers.get(record.vantage);
  if (expected === undefined || record.signature === undefined) return false;
  try {
    return isSignedBy(sampleRecordDigest(registry.domain, record), record.signature, expected);
  } catch (error) {
    if (error instanceof SignatureError || error instanceof InvalidSlaInputError) return false;
    throw error;
  }
}
