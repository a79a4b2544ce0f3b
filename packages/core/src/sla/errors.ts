import { SlabridgeError } from "../errors/SlabridgeError.ts";

/**
 * An SLA input is malformed: a negative or non-integer latency, a bps figure out of range, an unknown prober, a bad
 * bucket size or quorum. Not retryable: the same input fails the same way.
 *
 * @example
 * ```ts
 * try { sketch.add(-1); } catch (e) { if (e instanceof InvalidSlaInputError) console.log(e.field); }
 * ```
 */
export class InvalidSlaInputError extends SlabridgeError {
  override readonly name = "InvalidSlaInputError" as const;
  /** The offending field (e.g. `latencyMs`, `quorum`, `terms.tiers[1].refundBps`). */
  readonly field: string;
  constructor(field: string, reason: string) {
    super(`Invalid SLA input ${field}: ${reason}.`, { metaMessages: [`field: ${field}`] });
    this.field = field;
  }
}

/**
 * No bucket of the epoch was observed by a quorum of probers (or there were no samples at all), so there is nothing
 * to report: the SlaOracle rejects a report with sampleCount 0, and an uptime over zero buckets is undefined. Not
 * retryable with the same samples; more probing would be needed.
 *
 * @example
 * ```ts
 * try { evaluateEpoch(input); } catch (e) { if (e instanceof InsufficientObservationsError) alertProbers(); }
 * ```
 */
export class InsufficientObservationsError extends SlabridgeError {
  override readonly name = "InsufficientObservationsError" as const;
  constructor(details: string) {
    super("Not enough SLA observations to evaluate the epoch.", { details });
  }
}
