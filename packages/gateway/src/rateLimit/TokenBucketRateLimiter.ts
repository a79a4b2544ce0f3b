/** What {@link TokenBucketRateLimiter.take} decided. */
export type RateLimitDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  updatedAtMs: number;
}

/** Terms of one bucket: `burst` calls at once, refilled at `perSecond`. */
export interface TokenBucketTerms {
  readonly burst: number;
  readonly perSecond: number;
}

/**
 * Token buckets keyed by a string (the gateway keys them by buyer and model). Each bucket starts full with `burst`
 * tokens and refills continuously at `perSecond`; a call takes one token or is refused with the whole seconds until
 * one is back (the `Retry-After` value). The clock is injected so tests can move time. State is in this process
 * only: several gateway instances each enforce the limit on their own.
 *
 * @example
 * const limiter = new TokenBucketRateLimiter(() => Date.now());
 * const decision = limiter.take("0xBuyer|llama", { burst: 5, perSecond: 1 });
 * if (!decision.allowed) return new Response(null, { status: 429, headers: { "Retry-After": String(decision.retryAfterSeconds) } });
 */
export class TokenBucketRateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly nowMs: () => number) {}

  /**
   * Takes one token from `key`'s bucket, or says how long until one is free.
   *
   * @example limiter.take("buyer|model", { burst: 2, perSecond: 0.5 }) // { allowed: true }
   */
  take(key: string, terms: TokenBucketTerms): RateLimitDecision {
    const now = this.nowMs();
    const bucket = this.buckets.get(key) ?? { tokens: terms.burst, updatedAtMs: now };
    // A clock that steps back (a test, an NTP slew) refills nothing rather than a negative amount.
    const elapsedSeconds = Math.max(0, now - bucket.updatedAtMs) / 1_000;
    const tokens = Math.min(terms.burst, bucket.tokens + elapsedSeconds * terms.perSecond);
    if (tokens >= 1) {
      this.buckets.set(key, { tokens: tokens - 1, updatedAtMs: now });
      return { allowed: true };
    }
    this.buckets.set(key, { tokens, updatedAtMs: now });
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / terms.perSecond)) };
  }
}
