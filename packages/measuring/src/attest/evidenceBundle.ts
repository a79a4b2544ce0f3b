import {
  epochEndMs,
  evaluateEpoch,
  type Hex,
  type ModelClock,
  type ProbingConfig,
  type SampleRecord,
  type SignedUsageReceipt,
  type SlaReport,
  type SlaTerms,
  signedUsageReceiptJsonSchema,
  usageReceiptDigest,
  usageReceiptJson,
  usageRecordOf,
} from "@slabridge/core";
import { z } from "zod";
import { SignatureError } from "../errors.ts";
import { isSignedBy } from "./ProberKey.ts";
import type { ProberRegistry } from "./ProberRegistry.ts";
import { isSignedByItsVantage, slaSampleOf } from "./signedSamples.ts";

const hex = (bytes: number) =>
  z.string().regex(new RegExp(`^0x[0-9a-f]{${bytes * 2}}$`), `0x + ${bytes} bytes, lowercase`);
const decimal = z.string().regex(/^(?:0|[1-9][0-9]*)$/);

/** One signed sample set of the bundle: a vantage point's sample of the model in one round, and its signature. */
const signedSampleSchema = z.strictObject({
  vantage: z.string().min(1),
  roundId: z.string().regex(/^[0-9]{1,16}$/),
  startedAt: z.number().int().nonnegative(),
  rttMs: z.number().finite().nonnegative(),
  ok: z.boolean(),
  outcome: z.string().min(1),
  status: z.number().int().min(100).max(599).optional(),
  signature: hex(65),
});

/**
 * The published evidence of one (model, epoch) report: every signed sample set and every usage receipt of a paid call
 * (signed by the gateway) it was computed from, bound to the home chain's SlaOracle. Stored content-addressed (`BlobStore`), so its address is the keccak256 of these bytes.
 *
 * @example evidenceBundleSchema.parse(JSON.parse(new TextDecoder().decode(bytes)));
 */
export const evidenceBundleSchema = z.strictObject({
  version: z.literal(1),
  domain: z.strictObject({ chainId: z.number().int().positive(), verifier: hex(20) }),
  modelId: decimal,
  epoch: decimal,
  samples: z.array(signedSampleSchema),
  receipts: z.array(signedUsageReceiptJsonSchema),
});
/** See {@link evidenceBundleSchema}. */
export type EvidenceBundle = z.infer<typeof evidenceBundleSchema>;

/**
 * Where the evidence of a (model, epoch) verdict is named in the blob store.
 *
 * @example await blobs.resolve(evidenceName(2n, 7n)) // bundle address
 */
export function evidenceName(modelId: bigint, epoch: bigint): string {
  return `verdict/${modelId}/${epoch}`;
}

/**
 * The canonical bytes of a bundle (fixed key order, samples sorted by vantage then round, receipts by signature), so
 * the evaluator and anyone re-encoding the same signed evidence get the same address.
 *
 * @example const address = await blobs.put(encodeEvidenceBundle(registry.domain, 2n, 7n, trusted, receipts));
 */
export function encodeEvidenceBundle(
  domain: ProberRegistry["domain"],
  modelId: bigint,
  epoch: bigint,
  records: readonly SampleRecord[],
  receipts: readonly SignedUsageReceipt[] = [],
): Uint8Array {
  const samples = [...records]
    .sort((a, b) =>
      a.vantage !== b.vantage ? (a.vantage < b.vantage ? -1 : 1) : Number(BigInt(a.roundId) - BigInt(b.roundId)),
    )
    .map((r) => ({
      vantage: r.vantage,
      roundId: r.roundId,
      startedAt: r.startedAt,
      rttMs: r.rttMs,
      ok: r.ok,
      outcome: r.outcome,
      ...(r.status === undefined ? {} : { status: r.status }),
      signature: (r.signature ?? "").toLowerCase(),
    }));
  const bundle: z.input<typeof evidenceBundleSchema> = {
    version: 1,
    domain: { chainId: domain.chainId, verifier: domain.verifier.toLowerCase() },
    modelId: modelId.toString(),
    epoch: epoch.toString(),
    samples,
    receipts: receipts
      .map(usageReceiptJson)
      .sort((a, b) => (a.signature < b.signature ? -1 : a.signature > b.signature ? 1 : 0)),
  };
  return new TextEncoder().encode(JSON.stringify(bundle));
}

/**
 * The sample records a bundle holds, or undefined when its bytes are not a bundle.
 *
 * @example const records = decodeEvidenceBundle(bytes)?.records;
 */
export function decodeEvidenceBundle(
  bytes: Uint8Array,
): { bundle: EvidenceBundle; records: SampleRecord[]; receipts: SignedUsageReceipt[] } | undefined {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
  const parsed = evidenceBundleSchema.safeParse(json);
  if (!parsed.success) return undefined;
  const bundle = parsed.data;
  const records = bundle.samples.map(
    ({ status, signature, ...s }): SampleRecord => ({
      ...s,
      modelId: BigInt(bundle.modelId),
      epoch: BigInt(bundle.epoch),
      signature: signature as Hex,
      ...(status === undefined ? {} : { status }),
    }),
  );
  return { bundle, records, receipts: bundle.receipts };
}

/**
 * The usage receipts of a (model, epoch) that count as evidence: of that model and epoch, and signed by one of the
 * gateway's registered receipt keys (`gatewaySigners`). The rest is counted in `rejected` and left out.
 *
 * @example const { trusted, rejected } = trustedReceipts(world.gatewaySigners ?? [], await store.listEpoch(2n, 7n), 2n, 7n);
 */
export function trustedReceipts(
  gatewaySigners: readonly string[],
  receipts: readonly SignedUsageReceipt[],
  modelId: bigint,
  epoch: bigint,
): { trusted: SignedUsageReceipt[]; rejected: number } {
  const signers = new Set(gatewaySigners.map((signer) => signer.toLowerCase()));
  const trusted = receipts.filter((signed) => {
    if (signed.receipt.modelId !== modelId || signed.receipt.epoch !== epoch) return false;
    try {
      const digest = usageReceiptDigest(signed.chainId, signed.receipt);
      return [...signers].some((signer) => isSignedBy(digest, signed.signature, signer as Hex));
    } catch (error) {
      if (error instanceof SignatureError || (error instanceof Error && error.name === "InvalidSlaInputError")) {
        return false;
      }
      throw error;
    }
  });
  return { trusted, rejected: receipts.length - trusted.length };
}

/**
 * The samples of a (model, epoch) that count as evidence: signed by the key registered for their vantage point and
 * started inside the epoch (a probe of a round scheduled just before the end can start just after it). The rest is
 * counted in `rejected` and left out, whoever wrote it.
 *
 * @example const { trusted, rejected } = trustedSamples(registry, await samples.listEpoch(2n, 7n), clock, 7n);
 */
export function trustedSamples(
  registry: ProberRegistry,
  records: readonly SampleRecord[],
  clock: ModelClock,
  epoch: bigint,
): { trusted: SampleRecord[]; rejected: number } {
  const endMs = epochEndMs(clock, epoch);
  const startMs = endMs - Number(clock.epochSeconds) * 1_000;
  const trusted = records.filter(
    (r) => r.epoch === epoch && r.startedAt >= startMs && r.startedAt < endMs && isSignedByItsVantage(registry, r),
  );
  return { trusted, rejected: records.length - trusted.length };
}

/**
 * The report of a (model, epoch) from its trusted samples and usage receipts: core's `evaluateEpoch` over the
 * registered vantage points with the probing quorum and bucket size, the receipts as paid traffic's evidence. The
 * evaluator and each co-signing prober run exactly this, so the same evidence gives the same report.
 *
 * @throws {InsufficientObservationsError} when no bucket reached the quorum.
 * @example const report = reportFromSamples({ modelId, epoch, terms, records: trusted, registry, probing });
 */
export function reportFromSamples(input: {
  modelId: bigint;
  epoch: bigint;
  terms: SlaTerms;
  records: readonly SampleRecord[];
  /** Trusted usage receipts ({@link trustedReceipts}); none for a model not sold per call. */
  receipts?: readonly SignedUsageReceipt[];
  registry: ProberRegistry;
  probing: Pick<ProbingConfig, "quorum" | "uptimeBucketSeconds">;
}): SlaReport {
  return evaluateEpoch({
    modelId: input.modelId,
    epoch: input.epoch,
    terms: input.terms,
    samples: input.records.map(slaSampleOf),
    probers: [...input.registry.probers.keys()],
    quorum: input.probing.quorum,
    bucketMs: input.probing.uptimeBucketSeconds * 1_000,
    paidCalls: (input.receipts ?? []).map(usageRecordOf),
  });
}
