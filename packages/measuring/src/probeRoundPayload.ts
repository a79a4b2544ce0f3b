import { MAX_PROBE_TIMEOUT_MS } from "@slabridge/core";
import { z } from "zod";
import { InvalidProbePayloadError } from "./errors.ts";

/** Longest listed endpoint a payload carries; the coordinator sends a longer one as "" (unprobeable, hence down). */
export const MAX_ENDPOINT_LENGTH = 2_048;

const decimal = z.string().regex(/^(?:0|[1-9][0-9]*)$/, "a decimal string");

/** One host to probe in a round: a listed model, the epoch the round falls in, its endpoint and SLA timeout. */
export const probeTargetPayloadSchema = z.strictObject({
  modelId: decimal.describe("Model NFT id"),
  epoch: decimal.describe("the model's epoch at the round's scheduled time (registry clock)"),
  endpoint: z
    .string()
    .max(MAX_ENDPOINT_LENGTH)
    .describe("the host's endpoint as listed (ModelRegistry.hostOf); one that is not an http(s) URL is probed as down"),
  model: z.string().min(1).describe("the model name the probe requests"),
  timeoutMs: z
    .number()
    .int()
    .positive()
    .max(MAX_PROBE_TIMEOUT_MS)
    .describe("the epoch's SLA probe timeout, clamped to MAX_PROBE_TIMEOUT_MS by the coordinator"),
  gateway: z
    .strictObject({
      url: z
        .url({ protocol: /^https?$/ })
        .max(MAX_ENDPOINT_LENGTH)
        .describe("the model's gateway URL (`<gateway>/models/<key>`); the probe posts to `<url>/v1/completions`"),
      chainId: z.number().int().positive().describe("the EVM chain the prober pays on (its own channel per model)"),
      payUntil: z
        .number()
        .int()
        .nonnegative()
        .optional()
        .describe("unix ms: no paid call starts later (it would be charged in a later epoch); the probe is skipped"),
    })
    .optional()
    .describe("set when the model is sold through an x402 gateway: the probe is a paid call there, like a buyer's"),
});

/**
 * What the probe coordinator sends each prober function (Lambda `Event` invocation), validated on both sides.
 *
 * @example
 * probeRoundPayloadSchema.parse({ roundId: "1767225600000", scheduledAt: 1767225600000,
 *   targets: [{ modelId: "2", epoch: "7", endpoint: "http://127.0.0.1:8080", model: "m", timeoutMs: 2000 }] });
 */
export const probeRoundPayloadSchema = z.strictObject({
  roundId: z
    .string()
    .regex(/^[0-9]{1,16}$/, "the round's scheduled start, unix ms")
    .describe("deterministic: the scheduled time floored to the probe period"),
  scheduledAt: z.number().int().nonnegative(),
  targets: z.array(probeTargetPayloadSchema).max(1_000),
});
/** See {@link probeRoundPayloadSchema}. */
export type ProbeRoundPayload = z.infer<typeof probeRoundPayloadSchema>;
/** See {@link probeTargetPayloadSchema}. */
export type ProbeTargetPayload = z.infer<typeof probeTargetPayloadSchema>;

/**
 * Parses a probe-round payload or throws {@link InvalidProbePayloadError} with every issue on one line.
 *
 * @example const payload = parseProbeRoundPayload(event);
 */
export function parseProbeRoundPayload(input: unknown): ProbeRoundPayload {
  const parsed = probeRoundPayloadSchema.safeParse(input);
  if (parsed.success) {
    if (String(parsed.data.scheduledAt) !== parsed.data.roundId) {
      throw new InvalidProbePayloadError("roundId must be the scheduled time (unix ms)");
    }
    return parsed.data;
  }
  throw new InvalidProbePayloadError(z.prettifyError(parsed.error).replaceAll("\n", "; "));
}

/**
 * The round a scheduled time belongs to: the time floored to the probe period, in unix ms. Every retry or duplicate
 * delivery of the same schedule tick maps to the same round, hence to the same sample ids.
 *
 * @example roundStartOf(Date.parse("2026-01-01T00:00:59Z"), 60) // 1767225600000
 */
export function roundStartOf(scheduledMs: number, periodSeconds: number): number {
  const periodMs = periodSeconds * 1_000;
  return Math.floor(scheduledMs / periodMs) * periodMs;
}

const probeableUrl = z.url({ protocol: /^https?$/ });

/**
 * Whether a listed endpoint can be probed at all (an http(s) URL). A prober records a target whose endpoint cannot be
 * as an `unprobeable` sample, i.e. down: the host picks its endpoint, so an unusable one is its outage, not a gap.
 *
 * @example isProbeableEndpoint("offline") // false
 */
export function isProbeableEndpoint(endpoint: string): boolean {
  return probeableUrl.safeParse(endpoint).success;
}
