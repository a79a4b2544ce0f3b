import type { Clock } from "@slabridge/core";

/**
 * The wall clock, the default of every local component.
 *
 * @example
 * ```ts
 * new LocalQueue({ name: "jobs", clock: systemClock });
 * ```
 */
export const systemClock: Clock = { now: () => Date.now() };

/**
 * A clock that moves only when told, so tests of visibility timeouts, delays and schedules never sleep.
 *
 * @example
 * ```ts
 * const clock = new ManualClock(0); clock.advance(30_000); clock.now(); // 30000
 * ```
 */
export class ManualClock implements Clock {
  #now: number;
  constructor(start = 0) {
    this.#now = start;
  }
  now(): number {
    return this.#now;
  }
  /** Moves time forward by `ms` (never backwards: SQS and the scheduler assume a monotone clock). */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError("ManualClock only moves forward.");
    this.#now += ms;
  }
}
