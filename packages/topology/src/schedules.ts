import { SlabridgeError } from "@slabridge/core";
import type { FunctionTrigger, StagePeriod } from "./deployedFunctions.ts";

/** A stage's periods, in seconds: what schedule multiples are taken of. */
export type StagePeriods = Readonly<Record<StagePeriod, number>>;

/**
 * A period cannot be expressed as an AWS schedule rate (EventBridge Scheduler rates are whole minutes).
 *
 * @example
 * try { scheduleRate(90); } catch (error) { if (error instanceof InvalidSchedulePeriodError) error.retryable; } // false
 */
export class InvalidSchedulePeriodError extends SlabridgeError {
  override readonly name = "InvalidSchedulePeriodError" as const;
  constructor(seconds: number) {
    super(`a schedule period of ${seconds} s is not a whole number of minutes (EventBridge rates are minutes)`, {
      retryable: false,
    });
  }
}

/**
 * Seconds between two runs of a scheduled function in a stage: its trigger's multiple of the stage period.
 *
 * @example
 * schedulePeriodSeconds(deployedFunctions.retry.trigger, { watch: 60, probe: 60 }); // 300 in AWS
 * schedulePeriodSeconds(deployedFunctions.retry.trigger, { watch: 2, probe: 1 }); // 10 on the devnet
 */
export function schedulePeriodSeconds(
  trigger: Extract<FunctionTrigger, { kind: "schedule" }>,
  periods: StagePeriods,
): number {
  return trigger.every * periods[trigger.period];
}

/**
 * A period as an EventBridge Scheduler rate expression (whole minutes), as the SST schedules take it.
 *
 * @example
 * scheduleRate(60); // "rate(1 minute)"
 * scheduleRate(300); // "rate(5 minutes)"
 */
export function scheduleRate(seconds: number): `rate(${number} ${"minute" | "minutes"})` {
  const minutes = seconds / 60;
  if (!Number.isInteger(minutes) || minutes < 1) throw new InvalidSchedulePeriodError(seconds);
  return minutes === 1 ? "rate(1 minute)" : `rate(${minutes} minutes)`;
}
