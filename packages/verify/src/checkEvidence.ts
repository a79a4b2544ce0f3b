import {
  epochEndMs,
  type Hex,
  InsufficientObservationsError,
  keccak256,
  type RecordedVerdict,
  type SampleRecord,
  type SignedUsageReceipt,
  type SlaReport,
  usageReceiptDigest,
  type VerdictView,
} from "@slabridge/core";
import {
  decodeEvidenceBundle,
  type ProberRegistry,
  recoverSigner,
  reportFromSamples,
  sampleRecordDigest,
} from "@slabridge/measuring";
import { fail, pass, same, type VerifyCheck } from "./VerifyCheck.ts";

/** The public rules, besides the on-chain terms, that a report is computed with (the stage config's). */
export interface EvidenceRules {
  readonly quorum: number;
  readonly uptimeBucketSeconds: number;
  /** The gateway's usage-receipt signers. */
  readonly receiptSigners: readonly Hex[];
}

/** Inputs of {@link checkEvidence}. */
export interface CheckEvidenceInput {
  readonly modelId: bigint;
  readonly epoch: bigint;
  /** The bundle's address as published (the status API's `evidence.bundle`). */
  readonly address: Hex;
  /** The bytes fetched from that address. */
  readonly bytes: Uint8Array;
  readonly rules: EvidenceRules;
  readonly chain: RecordedVerdict;
}

const FIGURES = [
  ["p50", "p50Ms", " ms"],
  ["p95", "p95Ms", " ms"],
  ["p99", "p99Ms", " ms"],
  ["uptime", "uptimeBps", " bps"],
] as const;

/**
 * Checks one verdict against its published evidence, the way a buyer would: the bytes hash to the published address;
 * the bundle is this (model, epoch)'s and bound to this oracle; every sample set is signed by the oracle prober of its
 * vantage point and started inside the epoch; every usage receipt is signed by a gateway receipt signer; the report
 * recomputed with the evaluator's own `reportFromSamples` from the on-chain terms has the samples and receipts roots,
 * counts, percentiles, uptime and refund share the oracle recorded, hashes to the recorded report hash; and that hash
 * carries signatures of at least M distinct oracle probers. One {@link VerifyCheck} per property; a failing sample,
 * receipt or signature is named.
 *
 * @example const checks = await checkEvidence({ modelId: 2n, epoch: 7n, address, bytes, rules, chain });
 */
export async function checkEvidence(input: CheckEvidenceInput): Promise<VerifyCheck[]> {
  const { chain, modelId, epoch } = input;
  const { checks, decoded } = checkBundleBytes(input.address, input.bytes);
  if (decoded === undefined) return checks;
  const { bundle, records, receipts } = decoded;
  checks.push(same("bundle is of this model and epoch", `${modelId}/${epoch}`, `${bundle.modelId}/${bundle.epoch}`));
  checks.push(
    same(
      "bundle is bound to the home chain's oracle",
      `${chain.chainId}/${chain.oracle}`,
      `${bundle.domain.chainId}/${bundle.domain.verifier}`,
    ),
  );
  const domain = { chainId: chain.chainId, verifier: chain.oracle };

  const registry = vantageKeys(domain, records, chain.signers, chain.threshold);
  checks.push(...sampleChecks(registry, records, chain, epoch));
  checks.push(...receiptChecks(input.rules.receiptSigners, receipts, modelId, epoch));

  let report: SlaReport;
  try {
    report = reportFromSamples({
      modelId,
      epoch,
      terms: chain.terms,
      records,
      receipts,
      registry,
      probing: { quorum: input.rules.quorum, uptimeBucketSeconds: input.rules.uptimeBucketSeconds },
    });
  } catch (error) {
    if (!(error instanceof InsufficientObservationsError)) throw error;
    checks.push(fail("report recomputes from the bundle", "a report", `none: ${error.message}`));
    return checks;
  }
  checks.push(...figureChecks(report, chain.verdict));
  checks.push(
    same("report hash (EIP-712) matches the verdict's", chain.verdict.reportHash, await chain.reportDigest(report)),
  );
  checks.push(signerCheck(chain));
  return checks;
}

/**
 * The first two checks of a bundle, which need no chain: its bytes hash to its address and decode as a bundle.
 *
 * @example const { checks, decoded } = checkBundleBytes(address, bytes);
 */
export function checkBundleBytes(
  address: Hex,
  bytes: Uint8Array,
): { checks: VerifyCheck[]; decoded: ReturnType<typeof decodeEvidenceBundle> } {
  const checks = [same("bundle hashes to its address", address, keccak256(bytes))];
  const decoded = decodeEvidenceBundle(bytes);
  if (decoded === undefined) {
    checks.push(fail("bundle decodes", "an evidence bundle (JSON, version 1)", "bytes that are not one"));
  }
  return { checks, decoded };
}

/**
 * The vantage point -> key map the bundle shows, pinned to the oracle's signer set: each vantage point's key is the
 * oracle prober most of its sample sets recover to (on chain the oracle knows keys, not vantage names). A vantage
 * point none of whose samples an oracle prober signed maps to no key, so its samples fail their check.
 */
function vantageKeys(
  domain: ProberRegistry["domain"],
  records: readonly SampleRecord[],
  signers: readonly Hex[],
  threshold: number,
): ProberRegistry {
  const oracle = new Set(signers.map((s) => s.toLowerCase()));
  const votes = new Map<string, Map<Hex, number>>();
  for (const record of records) {
    const signer = recovered(sampleRecordDigest(domain, record), record.signature);
    const byKey = votes.get(record.vantage) ?? new Map<Hex, number>();
    votes.set(record.vantage, byKey);
    if (signer !== undefined && oracle.has(signer)) byKey.set(signer, (byKey.get(signer) ?? 0) + 1);
  }
  const probers = new Map<string, Hex>();
  for (const [vantage, byKey] of votes) {
    const [best] = [...byKey.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    // No oracle key: the zero address, which recovers from nothing, so the vantage point's samples fail by name.
    probers.set(vantage, best?.[0] ?? `0x${"00".repeat(20)}`);
  }
  return { domain, probers, threshold };
}

/** The signer of `digest`, or undefined for a missing or malformed signature. */
function recovered(digest: Hex, signature: Hex | undefined): Hex | undefined {
  if (signature === undefined) return undefined;
  try {
    return recoverSigner(digest, signature);
  } catch {
    return undefined;
  }
}

function sampleChecks(
  registry: ProberRegistry,
  records: readonly SampleRecord[],
  chain: RecordedVerdict,
  epoch: bigint,
): VerifyCheck[] {
  const checks: VerifyCheck[] = [];
  const endMs = epochEndMs(chain.clock, epoch);
  const startMs = endMs - Number(chain.clock.epochSeconds) * 1_000;
  let bad = 0;
  for (const record of records) {
    const name = `sample ${record.vantage}/${record.roundId}`;
    const expected = registry.probers.get(record.vantage);
    const signer = recovered(sampleRecordDigest(registry.domain, record), record.signature);
    if (signer === undefined || signer !== expected) {
      bad++;
      checks.push(
        fail(
          `${name} signature`,
          `signed by the oracle's prober for ${record.vantage} (${expected})`,
          signer === undefined ? "a malformed signature" : `signed by ${signer}`,
        ),
      );
    }
    if (record.startedAt < startMs || record.startedAt >= endMs) {
      bad++;
      checks.push(
        fail(
          `${name} is inside the epoch`,
          `a start in [${new Date(startMs).toISOString()}, ${new Date(endMs).toISOString()})`,
          new Date(record.startedAt).toISOString(),
        ),
      );
    }
  }
  const keys = [...registry.probers.values()];
  if (new Set(keys).size !== keys.length) {
    checks.push(fail("one oracle key per vantage point", "distinct keys", "two vantage points share a key"));
  }
  if (bad === 0) {
    checks.push(
      pass(
        "sample signatures",
        `${records.length} sample sets from ${registry.probers.size} vantage points, each signed by its oracle prober inside the epoch`,
      ),
    );
  }
  return checks;
}

function receiptChecks(
  receiptSigners: readonly Hex[],
  receipts: readonly SignedUsageReceipt[],
  modelId: bigint,
  epoch: bigint,
): VerifyCheck[] {
  const gateway = new Set(receiptSigners.map((s) => s.toLowerCase()));
  const checks: VerifyCheck[] = [];
  for (const signed of receipts) {
    const name = `usage receipt ${signed.receipt.requestHash}`;
    if (signed.receipt.modelId !== modelId || signed.receipt.epoch !== epoch) {
      checks.push(
        fail(
          `${name} is of this model and epoch`,
          `${modelId}/${epoch}`,
          `${signed.receipt.modelId}/${signed.receipt.epoch}`,
        ),
      );
      continue;
    }
    let signer: Hex | undefined;
    try {
      signer = recovered(usageReceiptDigest(signed.chainId, signed.receipt), signed.signature);
    } catch {
      signer = undefined; // fields out of range: no digest, no signer
    }
    if (signer === undefined || !gateway.has(signer)) {
      checks.push(
        fail(
          `${name} signature`,
          `signed by a gateway receipt signer (${[...gateway].join(", ") || "none declared"})`,
          signer === undefined ? "a malformed signature" : `signed by ${signer}`,
        ),
      );
    }
  }
  if (checks.length === 0) {
    checks.push(
      pass(
        "usage receipt signatures",
        receipts.length === 0
          ? "no paid calls in the bundle"
          : `${receipts.length} receipts, each signed by the gateway`,
      ),
    );
  }
  return checks;
}

function figureChecks(report: SlaReport, verdict: VerdictView): VerifyCheck[] {
  const onChain = verdict.report;
  const missing = "no VerdictRecorded figures on chain";
  const figure = (check: string, recorded: string | number | undefined, recomputed: string | number) =>
    recorded === undefined ? fail(check, missing, String(recomputed)) : same(check, recorded, recomputed);
  const checks = [
    same("samples root matches the verdict", verdict.samplesRoot, report.samplesRoot),
    figure("sample count matches the verdict", onChain?.sampleCount, report.sampleCount),
    figure("receipts root matches the verdict", onChain?.receiptsRoot, report.receiptsRoot),
    figure("receipt count matches the verdict", onChain?.receiptCount, report.receiptCount),
  ];
  for (const [label, field, unit] of FIGURES) {
    const recorded = onChain?.[field];
    checks.push(
      figure(
        `${label} matches the verdict`,
        recorded === undefined ? undefined : `${recorded}${unit}`,
        `${report[field]}${unit}`,
      ),
    );
  }
  checks.push(
    same(
      "refund share from the on-chain terms matches the verdict",
      `${verdict.refundBps} bps`,
      `${report.refundBps} bps`,
    ),
  );
  return checks;
}

/** The verdict's transaction carries at least M signatures of distinct oracle probers over its report hash. */
function signerCheck(chain: RecordedVerdict): VerifyCheck {
  const check = "verdict signed by a threshold of the oracle's probers";
  const { signatures, reportHash } = chain.verdict;
  if (signatures === null) {
    return fail(check, `${chain.threshold} prober signatures`, "no direct submitReport call to read them from");
  }
  const oracle = new Set(chain.signers.map((s) => s.toLowerCase()));
  const valid = new Set<Hex>();
  const strangers: string[] = [];
  for (const { signature } of signatures) {
    const signer = recovered(reportHash, signature);
    if (signer !== undefined && oracle.has(signer)) valid.add(signer);
    else strangers.push(signer ?? "a malformed signature");
  }
  if (strangers.length > 0) {
    return fail(check, "every signature by an oracle prober", `signatures by ${strangers.join(", ")}`);
  }
  const summary = `${valid.size} of ${oracle.size} probers, threshold ${chain.threshold}`;
  return valid.size >= chain.threshold
    ? pass(check, summary)
    : fail(check, `at least ${chain.threshold} probers`, summary);
}
