import type { Clock } from "@slabridge/core";

/**
 * The wall clock, the default when a store is given none.
 *
 * @example systemClock.now() // Date.now()
 */
export const systemClock: Clock = { now: () => Date.now() };
