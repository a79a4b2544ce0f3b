import type { RateLimitDecision, RateLimiter, TokenBucketTerms } from "./RateLimiter.ts";
import { takeFromBucket } from "./RateLimiter.ts";

/**
 * The {@link RateLimiter} in this process's memory: each bucket starts full with `burst` tokens and refills
 * continuously at `perSecond`; a call takes one token or is refused with the whole seconds until one is back. The
 * clock is injected so tests can move time. Only right for one gateway process (tests, benches): several instances
 * each enforce the limit on their own, so the gateway function uses `DynamoRateLimiter` (@slabridge/store).
 *
 * @example
 * const limiter = new TokenBucketRateLimiter(() => Date.now());
 * const decision = await limiter.take("0xbuyer|llama", { burst: 5, perSecond: 1 });
 */
export class TokenBucketRateLimiter implements RateLimiter {
  private readonly fullAt = new Map<string, number>();

  constructor(private readonly nowMs: () => number) {}

  /** @example await limiter.take("buyer|model", { burst: 2, perSecond: 0.5 }) // { allowed: true } */
  async take(key: string, terms: TokenBucketTerms): Promise<RateLimitDecision> {
    const taken = takeFromBucket(this.fullAt.get(key), terms, this.nowMs());
    this.fullAt.set(key, taken.fullAtMs);
    return taken.decision;
  }
}
