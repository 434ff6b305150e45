import { ManualClock } from '../common/clock';
import { MemoryBucketStore } from './bucket-store';

/** Three tokens, one more every second. */
const RULE = { capacity: 3, refillPerSecond: 1 };

describe('MemoryBucketStore', () => {
  let clock: ManualClock;
  let store: MemoryBucketStore;
  beforeEach(() => {
    clock = new ManualClock(1_000_000);
    store = new MemoryBucketStore(clock);
  });
  const takeAll = (key: string, costs: number[]) => Promise.all(costs.map((cost) => store.take(key, RULE, cost)));

  it('refuses an empty bucket with the time until the next token, and allows again once it has passed', async () => {
    await takeAll('k', [1, 1, 1]);
    expect(await store.take('k', RULE, 1)).toEqual({ allowed: false, retryAfterMs: 1000 });
    clock.advance(500);
    expect(await store.take('k', RULE, 1)).toEqual({ allowed: false, retryAfterMs: 500 });
    clock.advance(500);
    expect(await store.take('k', RULE, 1)).toEqual({ allowed: true, retryAfterMs: 0 });
  });

  it('refills at the rule rate up to the capacity, never beyond', async () => {
    await takeAll('k', [3]);
    clock.advance(3_600_000);
    expect((await takeAll('k', [1, 1, 1, 1])).map((r) => r.allowed)).toEqual([true, true, true, false]);
  });

  it('takes `cost` tokens at once, and needs them all', async () => {
    expect(await store.take('k', RULE, 2)).toEqual({ allowed: true, retryAfterMs: 0 });
    expect(await store.take('k', RULE, 2)).toEqual({ allowed: false, retryAfterMs: 1000 });
  });

  it('lets a cost-0 look through without taking while a token is left, and refuses it once the bucket is empty', async () => {
    expect((await takeAll('k', [0, 0, 0, 0, 0, 1, 1, 1])).every((r) => r.allowed)).toBe(true);
    expect(await store.take('k', RULE, 0)).toEqual({ allowed: false, retryAfterMs: 1000 });
  });

  it('a caller that waits exactly retryAfterMs gets its token (no float rounding at 20 per minute)', async () => {
    const deviceChallenge = { capacity: 20, refillPerSecond: 20 / 60 };
    for (let i = 0; i < 20; i++) await store.take('k', deviceChallenge, 1);
    clock.advance(1);
    const { retryAfterMs } = await store.take('k', deviceChallenge, 1);
    clock.advance(retryAfterMs); // 2999 ms: 1/3000 + 2999/3000 tokens add up to 0.9999999999999999
    expect(await store.take('k', deviceChallenge, 1)).toEqual({ allowed: true, retryAfterMs: 0 });
  });

  it('keeps one bucket per key', async () => {
    await takeAll('k', [3]);
    expect((await takeAll('other', [3]))[0].allowed).toBe(true);
    expect((await store.take('k', RULE, 1)).allowed).toBe(false);
  });

  it('forgets refilled buckets once the map has grown, keeping the ones still in use', async () => {
    await store.take('busy', RULE, 3);
    // 1,024 buckets: the size past which ExpiringMap sweeps.
    for (let i = 1; i < 1024; i++) await store.take(`pair-${i}`, RULE, 1);
    clock.advance(1000); // every pair bucket is full again; busy has 1 of 3
    await store.take('trigger', RULE, 1);
    expect(store.size).toBe(2);
    expect(await store.take('busy', RULE, 2)).toEqual({ allowed: false, retryAfterMs: 1000 });
  });
});
