/** What a {@link RateLimiter} decided for one call. */
export type RateLimitDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly retryAfterSeconds: number };

/** Terms of one bucket: `burst` calls at once, refilled at `perSecond`. */
export interface TokenBucketTerms {
  readonly burst: number;
  readonly perSecond: number;
}

/**
 * The gateway's rate limits, a port: token buckets keyed by a string (the gateway keys them by buyer and model).
 * Every gateway instance must share one implementation's state (`DynamoRateLimiter` in @slabridge/store), or N
 * instances admit N times the limit; {@link TokenBucketRateLimiter} keeps them in one process (tests, benches).
 * An implementation that cannot decide throws: the gateway then refuses the call (503), it never lets it through.
 *
 * @example const decision = await limiter.take("0xbuyer|llama", { burst: 5, perSecond: 1 });
 */
export interface RateLimiter {
  /** Takes one token from `key`'s bucket, or says in whole seconds when one is back (the `Retry-After` value). */
  take(key: string, terms: TokenBucketTerms): Promise<RateLimitDecision>;
}

/** A bucket's state after a take: the moment it is full again, and what was decided. */
interface BucketTake {
  readonly fullAtMs: number;
  readonly decision: RateLimitDecision;
}

/** Milliseconds one token takes to refill. */
export function refillIntervalMs(terms: TokenBucketTerms): number {
  return 1_000 / terms.perSecond;
}

/**
 * A token bucket kept as one number, the moment it is full again (`fullAtMs`; the generic cell rate algorithm). It
 * holds `burst - max(0, fullAtMs - now) / interval` tokens, so it is the same bucket as "tokens at updatedAtMs", but a
 * take only ever adds one interval to `fullAtMs` (from `max(fullAtMs, now)`) when at least one token is left: a
 * shared store can do that as one relative, conditional write that concurrent takers do not conflict on. A clock that
 * steps back refills nothing. `undefined` is a full bucket (never used, or expired).
 *
 * @example takeFromBucket(undefined, { burst: 2, perSecond: 0.5 }, 0) // { fullAtMs: 2000, decision: { allowed: true } }
 */
export function takeFromBucket(fullAtMs: number | undefined, terms: TokenBucketTerms, nowMs: number): BucketTake {
  const interval = refillIntervalMs(terms);
  const from = Math.max(fullAtMs ?? nowMs, nowMs);
  if (from - nowMs <= lastTokenOffsetMs(terms)) return { fullAtMs: from + interval, decision: { allowed: true } };
  return { fullAtMs: from, decision: refusal(from, terms, nowMs) };
}

/** How far past now `fullAtMs` may be while one token is left: the bucket is short of at most `burst - 1`. */
export function lastTokenOffsetMs(terms: TokenBucketTerms): number {
  return (terms.burst - 1) * refillIntervalMs(terms);
}

/** The refusal of a bucket full again at `fullAtMs`: the whole seconds until one token is back, at least 1. */
function refusal(fullAtMs: number, terms: TokenBucketTerms, nowMs: number): RateLimitDecision {
  const waitMs = fullAtMs - nowMs - lastTokenOffsetMs(terms);
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1_000)) };
}
