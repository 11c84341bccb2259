/**
 * Token buckets keyed by credential id: each key refills at `perSecond` up to `burst`. In memory and per node;
 * with N nodes behind a balancer a credential gets up to N times the rate, which is the accepted trade for not
 * putting a database write on every request.
 */
export interface RateDecision {
  allowed: boolean;
  /** Whole seconds until one token is available, for `Retry-After`. */
  retryAfterSeconds: number;
  remaining: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

const MAX_KEYS = 100_000;

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get enabled(): boolean {
    return this.perSecond > 0;
  }

  take(key: string): RateDecision {
    if (!this.enabled) return { allowed: true, retryAfterSeconds: 0, remaining: this.burst };
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (bucket) {
      bucket.tokens = Math.min(
        this.burst,
        bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.perSecond,
      );
      bucket.updatedAt = now;
      // Re-insert so Map order is least-recently-used first.
      this.buckets.delete(key);
    } else {
      bucket = { tokens: this.burst, updatedAt: now };
      if (this.buckets.size >= MAX_KEYS) this.buckets.delete(this.buckets.keys().next().value as string);
    }
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, retryAfterSeconds: 0, remaining: Math.floor(bucket.tokens) };
    }
    return {
      allowed: false,
      retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.perSecond)),
      remaining: 0,
    };
  }
}
