import { InvalidParameterError } from "../errors.ts";

const UNIT_MS = { second: 1_000, minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
const RATE = /^(?:rate\(\s*)?(\d+)\s+(second|minute|hour|day)(s?)(?:\s*\))?$/;

/**
 * Parses a rate schedule into milliseconds: EventBridge's `rate(value unit)` (with or without `rate(...)`, singular
 * for 1 and plural otherwise, as AWS insists), or a number of ms. Seconds are accepted for the devnet's short epochs
 * although AWS's shortest rate is one minute.
 *
 * @example
 * ```ts
 * parseRate("10 seconds"); // 10000
 * parseRate("rate(1 minute)"); // 60000
 * ```
 */
export function parseRate(rate: string | number): number {
  if (typeof rate === "number") {
    if (!Number.isInteger(rate) || rate <= 0) throw new InvalidParameterError("rate", "ms must be a positive integer");
    return rate;
  }
  const match = RATE.exec(rate.trim());
  const value = Number(match?.[1]);
  const unit = match?.[2] as keyof typeof UNIT_MS | undefined;
  if (!match || unit === undefined || value <= 0 || (value === 1) !== (match[3] === "")) {
    throw new InvalidParameterError("rate", `"${rate}" is not a rate like "1 minute", "5 minutes" or "10 seconds"`);
  }
  return value * UNIT_MS[unit];
}
