import { Inject, Injectable, Optional } from '@nestjs/common';
import type Redis from 'ioredis';
import { PARLEY_CONFIG } from '../config/config.module';
import type { ParleyConfig } from '../config/config';
import { REDIS_CLIENT } from '../redis/redis.module';
import { requireRedis } from '../redis/redis-unavailable';
import { ParleyException } from '../common/parley.exception';
import { RateLimitName, RateLimitRule } from './rate-limits';
import { TOKEN_BUCKET_LUA } from './token-bucket.lua';

export interface TakeResult { allowed: boolean; retryAfterMs: number }

/**
 * Token buckets named in rate-limits.ts: in Redis when the deployment has
 * one (shared by all processes), otherwise in this process's memory.
 */
@Injectable()
export class RateLimiterService {
  private readonly buckets = new Map<string, { tokens: number; ts: number }>();

  constructor(
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
    @Optional() @Inject(REDIS_CLIENT) private readonly redis: Redis | null,
  ) {
    this.redis?.defineCommand('parleyTokenBucket', { numberOfKeys: 1, lua: TOKEN_BUCKET_LUA });
  }

  /**
   * Takes `cost` tokens from bucket `name:key`; never throws for an empty
   * bucket. Allowed only when at least max(cost, 1) tokens are left, so a
   * look with cost 0 (check) is refused once the bucket is empty.
   */
  async take(name: RateLimitName, key: string, cost = 1): Promise<TakeResult> {
    const rule = this.config.rateLimits[name];
    const bucketKey = `${this.config.redisPrefix}rl:${name}:${key}`;
    if (this.redis) {
      const [allowed, retry] = await requireRedis((this.redis as any).parleyTokenBucket(
        bucketKey, rule.capacity, rule.refillPerSecond / 1000, Date.now(), cost,
      ) as Promise<[number, number]>);
      return { allowed: allowed === 1, retryAfterMs: retry };
    }
    return this.takeInMemory(bucketKey, rule, cost);
  }

  /** Looks without taking: is there at least one token left? (cost 0 still needs one token, see take) */
  async check(name: RateLimitName, key: string): Promise<TakeResult> {
    return this.take(name, key, 0);
  }

  /** Takes a token or throws 429 `rate_limited` with Retry-After. */
  async enforce(name: RateLimitName, key: string, cost = 1): Promise<void> {
    const result = await this.take(name, key, cost);
    if (!result.allowed) throw ParleyException.rateLimited(result.retryAfterMs);
  }

  private takeInMemory(bucketKey: string, rule: RateLimitRule, cost: number): TakeResult {
    const now = Date.now();
    const state = this.buckets.get(bucketKey) ?? { tokens: rule.capacity, ts: now };
    const rate = rule.refillPerSecond / 1000;
    state.tokens = Math.min(rule.capacity, state.tokens + (now - state.ts) * rate);
    state.ts = now;
    this.buckets.set(bucketKey, state);
    const need = Math.max(cost, 1);
    if (state.tokens >= need) {
      state.tokens -= cost;
      return { allowed: true, retryAfterMs: 0 };
    }
    return { allowed: false, retryAfterMs: Math.ceil((need - state.tokens) / rate) };
  }
}
