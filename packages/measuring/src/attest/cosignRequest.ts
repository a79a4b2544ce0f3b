import type { Hex, SlaReport } from "@slabridge/core";
import { z } from "zod";
import { InvalidProbePayloadError } from "../errors.ts";

const decimal = z.string().regex(/^(?:0|[1-9][0-9]*)$/, "a decimal string");
const bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "0x + 32 bytes");

/**
 * What the evaluator asks each prober (a synchronous invocation of its function): co-sign this report of (model,
 * epoch) if it is what the published evidence bundle at `bundle` gives. JSON (no bigint).
 *
 * @example cosignRequestSchema.parse({ kind: "cosign", modelId: "2", epoch: "7", bundle, report });
 */
export const cosignRequestSchema = z.strictObject({
  kind: z.literal("cosign"),
  modelId: decimal,
  epoch: decimal,
  bundle: bytes32.describe("the evidence bundle's address in the blob store"),
  report: z.strictObject({
    p50Ms: z.number().int().nonnegative(),
    p95Ms: z.number().int().nonnegative(),
    p99Ms: z.number().int().nonnegative(),
    uptimeBps: z.number().int().min(0).max(10_000),
    sampleCount: z.number().int().positive(),
    samplesRoot: bytes32,
    receiptCount: z.number().int().nonnegative(),
    receiptsRoot: bytes32,
    refundBps: z.number().int().min(0).max(10_000),
  }),
});
/** See {@link cosignRequestSchema}. */
export type CosignRequest = z.infer<typeof cosignRequestSchema>;

/** A prober's answer: its signature of the report's oracle digest. */
export const cosignResponseSchema = z.strictObject({
  vantage: z.string().min(1),
  signer: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
  signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/),
});
/** See {@link cosignResponseSchema}. */
export type CosignResponse = z.infer<typeof cosignResponseSchema>;

/**
 * Whether an event is a co-sign request (the prober function also takes probe rounds).
 *
 * @example if (isCosignRequest(event)) return cosignReport(world, vantage, parseCosignRequest(event));
 */
export function isCosignRequest(event: unknown): boolean {
  return typeof event === "object" && event !== null && (event as { kind?: unknown }).kind === "cosign";
}

/**
 * Parses a co-sign request or throws {@link InvalidProbePayloadError}.
 *
 * @example const request = parseCosignRequest(event);
 */
export function parseCosignRequest(input: unknown): CosignRequest {
  const parsed = cosignRequestSchema.safeParse(input);
  if (!parsed.success) throw new InvalidProbePayloadError(z.prettifyError(parsed.error).replaceAll("\n", "; "));
  return parsed.data;
}

/**
 * The request for `report` with its evidence at `bundle`.
 *
 * @example const request = cosignRequestOf(report, bundle);
 */
export function cosignRequestOf(report: SlaReport, bundle: Hex): CosignRequest {
  const { modelId, epoch, ...figures } = report;
  return { kind: "cosign", modelId: modelId.toString(), epoch: epoch.toString(), bundle, report: figures };
}

/**
 * The report a request proposes.
 *
 * @example const proposed = reportOfRequest(request);
 */
export function reportOfRequest(request: CosignRequest): SlaReport {
  return {
    ...request.report,
    samplesRoot: request.report.samplesRoot.toLowerCase() as Hex,
    receiptsRoot: request.report.receiptsRoot.toLowerCase() as Hex,
    modelId: BigInt(request.modelId),
    epoch: BigInt(request.epoch),
  };
}
