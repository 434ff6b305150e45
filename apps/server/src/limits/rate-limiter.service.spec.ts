import { ManualClock } from '../common/clock';
import type { ParleyConfig } from '../config/config';
import { MemoryBucketStore } from './bucket-store';
import { RATE_LIMITS } from './rate-limits';
import { RateLimiterService } from './rate-limiter.service';

/** The in-memory buckets (single-process mode); the Redis script is covered by the e2e tests in pass 2. */
describe('RateLimiterService in memory', () => {
  const config = { redisPrefix: 't:', rateLimits: { ...RATE_LIMITS, keyFetch: { capacity: 3, refillPerSecond: 1 } } } as ParleyConfig;
  let clock: ManualClock;
  let limiter: RateLimiterService;
  beforeEach(() => {
    clock = new ManualClock(1_000_000);
    limiter = new RateLimiterService(config, new MemoryBucketStore(clock));
  });

  it('allows the capacity, then refuses with the time until the next token', async () => {
    for (let i = 0; i < 3; i++) expect(await limiter.take('keyFetch', 'a')).toEqual({ allowed: true, retryAfterMs: 0 });
    expect(await limiter.take('keyFetch', 'a')).toEqual({ allowed: false, retryAfterMs: 1000 });
    clock.advance(1000);
    expect((await limiter.take('keyFetch', 'a')).allowed).toBe(true);
  });

  it('keeps one bucket per key', async () => {
    for (let i = 0; i < 3; i++) await limiter.take('keyFetch', 'a');
    expect((await limiter.take('keyFetch', 'b')).allowed).toBe(true);
  });

  it('check looks without taking, and refuses once the bucket is empty', async () => {
    for (let i = 0; i < 5; i++) expect((await limiter.check('keyFetch', 'a')).allowed).toBe(true);
    for (let i = 0; i < 3; i++) await limiter.take('keyFetch', 'a');
    expect(await limiter.check('keyFetch', 'a')).toEqual({ allowed: false, retryAfterMs: 1000 });
  });

  it('enforce throws 429 rate_limited with the retry time', async () => {
    for (let i = 0; i < 3; i++) await limiter.enforce('keyFetch', 'a');
    await expect(limiter.enforce('keyFetch', 'a')).rejects.toMatchObject({ code: 'rate_limited', retryAfterMs: 1000 });
  });
});
