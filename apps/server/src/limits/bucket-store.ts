import type Redis from 'ioredis';
import type { Clock } from '../common/clock';
import { requireRedis } from '../shared-state/redis-client';
import type { RateLimitRule } from './rate-limits';
import { TOKEN_BUCKET_LUA } from './token-bucket.lua';

export interface TakeResult {
  allowed: boolean;
  retryAfterMs: number;
}

/**
 * Where token buckets live. Allowed only when at least max(cost, 1)
 * tokens are left, so a look with cost 0 is refused once a bucket is
 * empty. Chosen with the rest of the shared state (shared-state.factory.ts).
 */
export abstract class BucketStore {
  abstract take(bucketKey: string, rule: RateLimitRule, cost: number): Promise<TakeResult>;
}

/** A refill that should reach a whole token can fall short by float rounding: waiting exactly retryAfterMs must be enough. */
const ROUNDING_SLACK = 1e-9;

/** A map this large is swept of full buckets before it grows further. */
const SWEEP_AT_SIZE = 10_000;

/**
 * Single-process mode: buckets in this process's memory. A full bucket is
 * the same as none, so buckets that have refilled are swept away whenever
 * the map has doubled since the last sweep: memory follows the keys in
 * recent use (per-pair limits make many keys), as Redis's PEXPIRE does.
 */
export class MemoryBucketStore extends BucketStore {
  private readonly buckets = new Map<string, { tokens: number; ts: number; fullAt: number }>();
  private sweepAt = SWEEP_AT_SIZE;

  constructor(private readonly clock: Clock) {
    super();
  }

  async take(bucketKey: string, rule: RateLimitRule, cost: number): Promise<TakeResult> {
    const now = this.clock.now();
    if (this.buckets.size >= this.sweepAt) this.sweepFullBuckets(now);
    const state = this.buckets.get(bucketKey) ?? { tokens: rule.capacity, ts: now, fullAt: now };
    const rate = rule.refillPerSecond / 1000;
    state.tokens = Math.min(rule.capacity, state.tokens + (now - state.ts) * rate);
    state.ts = now;
    this.buckets.set(bucketKey, state);
    const need = Math.max(cost, 1);
    const allowed = state.tokens + ROUNDING_SLACK >= need;
    if (allowed) state.tokens -= cost;
    state.fullAt = now + (rule.capacity - state.tokens) / rate;
    return allowed ? { allowed: true, retryAfterMs: 0 } : { allowed: false, retryAfterMs: Math.ceil((need - state.tokens) / rate) };
  }

  private sweepFullBuckets(now: number): void {
    for (const [key, state] of this.buckets) if (state.fullAt <= now) this.buckets.delete(key);
    this.sweepAt = Math.max(SWEEP_AT_SIZE, this.buckets.size * 2);
  }

  /** How many buckets are held (tests). */
  get size(): number {
    return this.buckets.size;
  }
}

/** Scale-out: one atomic script per take, so every process shares each bucket. */
export class RedisBucketStore extends BucketStore {
  constructor(
    private readonly redis: Redis,
    private readonly clock: Clock,
  ) {
    super();
    redis.defineCommand('parleyTokenBucket', { numberOfKeys: 1, lua: TOKEN_BUCKET_LUA });
  }

  async take(bucketKey: string, rule: RateLimitRule, cost: number): Promise<TakeResult> {
    const redis = this.redis as Redis & { parleyTokenBucket(...args: unknown[]): Promise<[number, number]> };
    const [allowed, retry] = await requireRedis(
      redis.parleyTokenBucket(bucketKey, rule.capacity, rule.refillPerSecond / 1000, this.clock.now(), cost),
    );
    return { allowed: allowed === 1, retryAfterMs: retry };
  }
}
