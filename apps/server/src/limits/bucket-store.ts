import type { Clock } from '../common/clock';
import { ExpiringMap } from '../common/expiring-map';
import { requireRedis, RedisConnection } from '../shared-state/redis-client';
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

/**
 * Single-process mode: buckets in this process's memory. A full bucket is
 * the same as none, so each bucket expires when it would be full again:
 * memory follows the keys in recent use (per-pair limits make many keys),
 * as Redis's PEXPIRE does. No count bound: forgetting a bucket that is not
 * full would hand its owner tokens back.
 */
export class MemoryBucketStore extends BucketStore {
  private readonly buckets: ExpiringMap<{ tokens: number; ts: number }>;

  constructor(private readonly clock: Clock) {
    super();
    this.buckets = new ExpiringMap(clock, Number.POSITIVE_INFINITY);
  }

  async take(bucketKey: string, rule: RateLimitRule, cost: number): Promise<TakeResult> {
    const now = this.clock.now();
    const state = this.buckets.get(bucketKey) ?? { tokens: rule.capacity, ts: now };
    const rate = rule.refillPerSecond / 1000;
    state.tokens = Math.min(rule.capacity, state.tokens + (now - state.ts) * rate);
    state.ts = now;
    const need = Math.max(cost, 1);
    const allowed = state.tokens + ROUNDING_SLACK >= need;
    if (allowed) state.tokens -= cost;
    this.buckets.set(bucketKey, state, now + (rule.capacity - state.tokens) / rate);
    return allowed ? { allowed: true, retryAfterMs: 0 } : { allowed: false, retryAfterMs: Math.ceil((need - state.tokens) / rate) };
  }

  /** How many buckets are held (tests). */
  get size(): number {
    return this.buckets.size;
  }
}

/** Scale-out: one atomic script per take, so every process shares each bucket. */
export class RedisBucketStore extends BucketStore {
  constructor(
    private readonly redis: RedisConnection,
    private readonly clock: Clock,
  ) {
    super();
    redis.defineCommand('parleyTokenBucket', { numberOfKeys: 1, lua: TOKEN_BUCKET_LUA });
  }

  async take(bucketKey: string, rule: RateLimitRule, cost: number): Promise<TakeResult> {
    const redis = this.redis as RedisConnection & { parleyTokenBucket(...args: unknown[]): Promise<[number, number]> };
    const [allowed, retry] = await requireRedis(
      redis.parleyTokenBucket(bucketKey, rule.capacity, rule.refillPerSecond / 1000, this.clock.now(), cost),
    );
    return { allowed: allowed === 1, retryAfterMs: retry };
  }
}
