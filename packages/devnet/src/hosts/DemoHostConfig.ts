import { z } from "zod";
import { latencyQuantile } from "./latencyQuantile.ts";

const ms = z.number().finite().min(0).max(600_000);

/**
 * Latency as given by a caller: either an explicit tail (`tailProbability`, `slowMs`) or a target `p95Ms`, from which
 * `slowMs` is solved (tail probability defaults to 0.1 then, so the 95th percentile falls inside the tail).
 */
const latencyInputSchema = z
  .strictObject({
    baseMs: ms,
    jitterMs: ms.default(0),
    tailProbability: z.number().min(0).max(1).optional(),
    slowMs: ms.optional(),
    p95Ms: ms.optional(),
  })
  .transform((input, ctx) => {
    const { baseMs, jitterMs } = input;
    if (input.p95Ms === undefined) {
      return { baseMs, jitterMs, tailProbability: input.tailProbability ?? 0, slowMs: input.slowMs ?? 0 };
    }
    if (input.slowMs !== undefined) {
      ctx.addIssue({ code: "custom", message: "give either p95Ms or slowMs, not both", path: ["p95Ms"] });
      return z.NEVER;
    }
    const tailProbability = input.tailProbability ?? 0.1;
    if (tailProbability <= 0.05) {
      ctx.addIssue({ code: "custom", message: "p95Ms needs tailProbability > 0.05", path: ["tailProbability"] });
      return z.NEVER;
    }
    const floor = latencyQuantile({ baseMs, jitterMs, tailProbability, slowMs: 0 }, 0.95);
    if (input.p95Ms < floor) {
      ctx.addIssue({
        code: "custom",
        message: `p95Ms must be at least ${floor} for this base and jitter`,
        path: ["p95Ms"],
      });
      return z.NEVER;
    }
    // p95 grows continuously and monotonically with slowMs from `floor`, so bisection finds the tail.
    let lo = 0;
    let hi = input.p95Ms;
    for (let i = 0; i < 64; i++) {
      const mid = (lo + hi) / 2;
      if (latencyQuantile({ baseMs, jitterMs, tailProbability, slowMs: mid }, 0.95) >= input.p95Ms) hi = mid;
      else lo = mid;
    }
    return { baseMs, jitterMs, tailProbability, slowMs: Math.round(hi * 1000) / 1000 };
  });

/** How a failed request fails: HTTP 503, a dropped connection, or no answer at all (the client times out). */
const failureModeSchema = z.enum(["http503", "drop", "timeout"]);

/** The run-time behaviour of a demo host; PUT /admin/config replaces any of the top-level fields. */
export const demoHostConfigSchema = z.strictObject({
  latency: latencyInputSchema,
  failureRate: z.number().min(0).max(1),
  failureMode: failureModeSchema.default("http503"),
});

/** Config as callers write it (latency may be given by p95Ms; defaults omitted). */
export type DemoHostConfigInput = z.input<typeof demoHostConfigSchema>;
/** Config as the host runs it: latency resolved to an explicit tail, defaults filled in. */
export type DemoHostConfig = z.output<typeof demoHostConfigSchema>;
