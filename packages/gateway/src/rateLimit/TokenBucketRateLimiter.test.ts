import { describe, expect, it } from "vitest";
import { TokenBucketRateLimiter } from "./TokenBucketRateLimiter.ts";

describe("TokenBucketRateLimiter", () => {
  const terms = { burst: 2, perSecond: 0.5 };

  it("allows a burst, then refuses with the seconds until a token is back, then refills with the clock", async () => {
    let now = 1_000_000;
    const limiter = new TokenBucketRateLimiter(() => now);
    expect(await limiter.take("a", terms)).toEqual({ allowed: true });
    expect(await limiter.take("a", terms)).toEqual({ allowed: true });
    expect(await limiter.take("a", terms)).toEqual({ allowed: false, retryAfterSeconds: 2 });
    now += 1_000; // half a token back
    expect(await limiter.take("a", terms)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    now += 1_000;
    expect(await limiter.take("a", terms)).toEqual({ allowed: true });
  });

  it("keeps one bucket per key and never refills past the burst or on a clock that steps back", async () => {
    let now = 5_000;
    const limiter = new TokenBucketRateLimiter(() => now);
    expect((await limiter.take("a", terms)).allowed).toBe(true);
    expect((await limiter.take("b", terms)).allowed).toBe(true);
    now += 3_600_000;
    const decisions = [await limiter.take("a", terms), await limiter.take("a", terms), await limiter.take("a", terms)];
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, false]);
    now -= 10_000;
    expect((await limiter.take("a", terms)).allowed).toBe(false);
  });
});
