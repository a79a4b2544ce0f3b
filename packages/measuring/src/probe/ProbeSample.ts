import { z } from "zod";

/**
 * How a probe ended. Only `ok` counts as up; every other outcome is a failed request against the SLA.
 * `unprobeable`: the listed endpoint is not an http(s) URL (e.g. `setHost(id, "offline")`), so no request could be
 * sent: buyers cannot reach the host either, and the host chose the endpoint, so it is down, not unobserved.
 */
export const probeOutcomeSchema = z.enum(["ok", "timeout", "http-error", "bad-answer", "network-error", "unprobeable"]);
/** See {@link probeOutcomeSchema}. */
export type ProbeOutcome = z.infer<typeof probeOutcomeSchema>;

/** Every outcome, in a fixed order (for summaries and tables). */
export const probeOutcomes: readonly ProbeOutcome[] = probeOutcomeSchema.options;

/**
 * One canary request's result: who probed whom, when, how long it took and how it ended. Samples are plain JSON so
 * they can be stored and later aggregated into p95/uptime verdicts.
 *
 * @example
 * probeSampleSchema.parse({ host: "http://127.0.0.1:8080", prober: "eu-west-1", startedAt: 1767225600000,
 *   rttMs: 52.3, outcome: "ok", status: 200 });
 */
export const probeSampleSchema = z.strictObject({
  /** The Model NFT's id (decimal string), when the probe was made for a listed model. */
  modelId: z.string().min(1).optional(),
  /** The host's base URL. */
  host: z.string().min(1),
  /** The vantage point (AWS region, or a local instance name on the devnet). */
  prober: z.string().min(1),
  /** Wall clock at request start, Unix milliseconds. */
  startedAt: z.number().int().nonnegative(),
  /** High-resolution round trip from request start to the full response body (or to giving up), milliseconds. */
  rttMs: z.number().finite().nonnegative(),
  outcome: probeOutcomeSchema,
  /** HTTP status, when a response arrived. */
  status: z.number().int().min(100).max(599).optional(),
  /** Why the probe was not `ok`, one line, scrubbed of secrets. */
  error: z.string().optional(),
});
/** See {@link probeSampleSchema}. */
export type ProbeSample = z.infer<typeof probeSampleSchema>;
