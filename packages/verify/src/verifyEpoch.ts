import type { Hex, RecordedVerdict } from "@slabridge/core";
import { checkBundleBytes, checkEvidence } from "./checkEvidence.ts";
import { checkSettlement } from "./checkSettlement.ts";
import { NoEvidenceYetError, VerifyConfigError } from "./errors.ts";
import { type FetchLike, StatusApiClient } from "./StatusApiClient.ts";
import { same, type VerifyResult } from "./VerifyCheck.ts";

/**
 * The home chain, read directly (never through the status API): the verdict `oracle` recorded for (model, epoch) and
 * what it takes to check it, or undefined when there is none. The EVM adapter's `readRecordedVerdict` over the
 * buyer's own RPC is the implementation.
 */
export type ReadOnChainVerdict = (query: {
  chainId: number;
  oracle: Hex;
  modelId: bigint;
  epoch: bigint;
}) => Promise<RecordedVerdict | undefined>;

/** Options of {@link verifyEpoch}. */
export interface VerifyEpochOptions {
  readonly modelId: bigint;
  readonly epoch: bigint;
  /** The status API's base URL (where the evidence is published). */
  readonly statusUrl: string;
  readonly readVerdict: ReadOnChainVerdict;
  /**
   * The SlaOracle the buyer trusts (from the deployment manifest). Given, the chain is read at this oracle and a
   * bundle bound to another one fails; absent, the bundle's own oracle is read (and named in its check).
   */
  readonly oracle?: Hex;
  readonly fetch?: FetchLike;
}

/**
 * `npm run verify`: checks the verdict of (model, epoch) from its published evidence. Fetches the epoch's status and
 * its bundle from the status API, reads the verdict, the oracle's prober set and the epoch's terms from the home chain,
 * then {@link checkEvidence} (hash, signatures, the report recomputed with the evaluator's functions against the
 * recorded one and its signers) and {@link checkSettlement} (each chain's refunds, release and payouts against the
 * verdict's refund share).
 *
 * @throws {UnknownEpochError} the model is not listed or the epoch has not started
 * @throws {NoEvidenceYetError} no verdict or no published bundle yet
 * @throws {StatusUnreachableError | InvalidStatusAnswerError | VerifyConfigError} nothing could be checked
 * @example const result = await verifyEpoch({ modelId: 2n, epoch: 7n, statusUrl, readVerdict });
 */
export async function verifyEpoch(options: VerifyEpochOptions): Promise<VerifyResult> {
  const { modelId, epoch } = options;
  const status = new StatusApiClient(options.statusUrl, options.fetch ? { fetch: options.fetch } : {});
  const answer = await status.epoch(modelId, epoch);
  if (answer.verdict === null) throw new NoEvidenceYetError(modelId, epoch, "no verdict is recorded");
  if (answer.evidence === null) throw new NoEvidenceYetError(modelId, epoch, "no evidence bundle is published");
  const { bundle: address, rules } = answer.evidence;
  if (rules === undefined) {
    throw new VerifyConfigError("the status API does not say the evaluation rules (quorum, bucket, receipt signers)");
  }
  const bytes = await status.evidence(modelId, epoch, address);
  const result = (checks: VerifyResult["checks"]): VerifyResult => ({
    modelId,
    epoch,
    bundle: address,
    checks,
    ok: checks.every((check) => check.status !== "fail"),
  });

  const { checks: byteChecks, decoded } = checkBundleBytes(address, bytes);
  // Bytes that are not a bundle name no oracle to read: the hash and the decoding are all there is to check.
  if (decoded === undefined) return result(byteChecks);
  const { domain } = decoded.bundle;
  const { chainId } = domain;
  const oracle = (options.oracle ?? domain.verifier).toLowerCase() as Hex;
  const chain = await options.readVerdict({ chainId, oracle, modelId, epoch });
  if (chain === undefined) throw new NoEvidenceYetError(modelId, epoch, `the oracle ${oracle} has no verdict for it`);
  if (chain.chainId !== chainId) {
    throw new VerifyConfigError(`the RPC serves chain ${chain.chainId}, the verdict's oracle is on chain ${chainId}`);
  }
  const checks = [
    ...(options.oracle === undefined ? [] : [same("bundle names the pinned oracle", options.oracle, domain.verifier)]),
    ...(await checkEvidence({ modelId, epoch, address, bytes, rules, chain })),
  ];
  const topUps = new Map((answer.bond?.topUps ?? []).map((t) => [t.chainId, t.amount]));
  checks.push(...checkSettlement(chain.verdict.refundBps, answer.settlement, topUps));
  return result(checks);
}
