import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assertTransition, IllegalTransitionError, LEGAL_TRANSITIONS, nextRetryDelay } from "./jobTransitions.ts";
import type { JobStatus } from "./jobTypes.ts";

const statuses = Object.keys(LEGAL_TRANSITIONS) as JobStatus[];

describe("job transitions", () => {
  it("allows the happy path and the retry loop", () => {
    for (const [from, to] of [
      ["observed", "finalized"],
      ["finalized", "submitted"],
      ["submitted", "confirmed"],
      ["submitted", "failed"],
      ["failed", "finalized"],
      ["failed", "dead-lettered"],
      ["dead-lettered", "finalized"],
      ["confirmed", "finalized"],
    ] as const) {
      expect(() => assertTransition("j", from, to)).not.toThrow();
    }
  });

  it("refuses every step that is not listed; confirmed only goes back to work (re-armed)", () => {
    for (const from of statuses) {
      for (const to of statuses) {
        const legal = LEGAL_TRANSITIONS[from].includes(to);
        if (!legal) expect(() => assertTransition("j", from, to)).toThrow(IllegalTransitionError);
      }
    }
    expect(LEGAL_TRANSITIONS.confirmed).toEqual(["finalized"]);
    // submitted never goes back to finalized: a resubmit must replace the same nonce, not start over.
    expect(LEGAL_TRANSITIONS.submitted).not.toContain("finalized");
  });
});

describe("nextRetryDelay", () => {
  const policy = { tiersMs: [100, 1_000, 10_000], maxAttempts: 5, jitter: 0.2 };

  it("walks the tiers and stays on the last, then dead-letters", () => {
    const mid = () => 0.5; // no jitter
    expect([1, 2, 3, 4].map((n) => nextRetryDelay(n, policy, mid))).toEqual([100, 1_000, 10_000, 10_000]);
    expect(nextRetryDelay(5, policy, mid)).toBeUndefined();
  });

  it("keeps jitter within the configured fraction", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.double({ min: 0, max: 0.999_999, noNaN: true }), (n, r) => {
        const base = policy.tiersMs[Math.min(n - 1, 2)] ?? 0;
        const delay = nextRetryDelay(n, policy, () => r) ?? -1;
        expect(delay).toBeGreaterThanOrEqual(Math.floor(base * 0.8));
        expect(delay).toBeLessThanOrEqual(Math.ceil(base * 1.2));
      }),
    );
  });
});
