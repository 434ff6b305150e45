import { Inject, Injectable } from '@nestjs/common';
import { PARLEY_CONFIG } from '../config/config.module';
import type { ParleyConfig } from '../config/config';
import { ParleyException } from '../common/parley.exception';
import { BucketStore, TakeResult } from './bucket-store';
import { RateLimitName } from './rate-limits';

/** Token buckets named in rate-limits.ts, kept in the deployment's BucketStore. */
@Injectable()
export class RateLimiterService {
  constructor(
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
    private readonly buckets: BucketStore,
  ) {}

  /** Takes `cost` tokens from bucket `name:key`; never throws for an empty bucket. */
  take(name: RateLimitName, key: string, cost = 1): Promise<TakeResult> {
    return this.buckets.take(`${this.config.redisPrefix}rl:${name}:${key}`, this.config.rateLimits[name], cost);
  }

  /** Looks without taking: is there at least one token left? */
  check(name: RateLimitName, key: string): Promise<TakeResult> {
    return this.take(name, key, 0);
  }

  /** Takes a token or throws 429 `rate_limited` with Retry-After. */
  async enforce(name: RateLimitName, key: string, cost = 1): Promise<void> {
    const result = await this.take(name, key, cost);
    if (!result.allowed) throw ParleyException.rateLimited(result.retryAfterMs);
  }
}
