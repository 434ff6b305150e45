import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { ManualClock } from '../common/clock';
import type { LoginBackoffRules } from '../limits/rate-limits';
import { LoginAttempts, MemoryLoginAttempts, RedisLoginAttempts } from './login-attempts';
import { FORGET_FAILURES_MS, KNOWN_NETWORK_MS } from './login-backoff';

/** Small rules, so that the tables stay short: 2 free per pair then 1 s doubling to 8 s; 4 free account-wide then a minute. */
const RULES: LoginBackoffRules = {
  perAddress: { free: 2, firstDelayMs: 1000, maxDelayMs: 8000 },
  perAccount: { free: 4, firstDelayMs: 60_000, maxDelayMs: 600_000 },
};

const redisUrl = process.env.PARLEY_TEST_REDIS_URL;
const implementations: [string, (clock: ManualClock) => Promise<LoginAttempts>][] = [
  ['in memory', async (clock) => new MemoryLoginAttempts(RULES, clock)],
];
let redis: Redis | undefined;
const prefix = `parley-test-${randomBytes(4).toString('hex')}:`;
if (redisUrl) implementations.push(['in Redis', async (clock) => new RedisLoginAttempts(redis!, prefix, RULES, clock)]);
else it.skip('LoginAttempts in Redis [skipped: needs PARLEY_TEST_REDIS_URL, as in pass 2 of .ci/run]', () => undefined);

beforeAll(() => {
  if (redisUrl) redis = new Redis(redisUrl);
});
afterAll(async () => {
  if (!redis) return;
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

describe.each(implementations)('LoginAttempts %s', (_name, create) => {
  let clock: ManualClock;
  let attempts: LoginAttempts;
  let user: string;
  beforeEach(async () => {
    clock = new ManualClock(1_700_000_000_000);
    attempts = await create(clock);
    user = `u${randomBytes(4).toString('hex')}`;
  });
  /** What `count` attempts in a row from `network` are told: 0 when admitted, else the wait. */
  const waits = async (network: string, count: number) => {
    const told: number[] = [];
    for (let i = 0; i < count; i++) {
      const admission = await attempts.admit(user, network);
      told.push(admission.admitted ? 0 : admission.retryAfterMs);
    }
    return told;
  };
  const login = async (network: string) => {
    const admission = await attempts.admit(user, network);
    if (!admission.admitted) throw new Error(`refused for ${admission.retryAfterMs} ms`);
    await attempts.succeeded(user, network, admission.countedAccountWide);
  };

  it('admits the free failures, then makes the pair wait, twice as long after each further failure, up to the longest', async () => {
    await login('A'); // known to the account, so that only the pair's count applies
    expect(await waits('A', 4)).toEqual([0, 0, 0, 1000]);
    clock.advance(400);
    expect(await waits('A', 1)).toEqual([600]);
    clock.advance(600);
    for (const wait of [2000, 4000, 8000, 8000]) {
      expect(await waits('A', 2)).toEqual([0, wait]);
      clock.advance(wait);
    }
  });

  it('does not count refused attempts', async () => {
    await waits('A', 3);
    expect(await waits('A', 20)).toEqual(Array(20).fill(1000));
    clock.advance(1000);
    expect(await waits('A', 2)).toEqual([0, 2000]);
  });

  it('admits no more than one attempt past the free ones when many arrive at once', async () => {
    const all = await Promise.all(Array.from({ length: 10 }, () => attempts.admit(user, 'A')));
    expect(all.filter((admission) => admission.admitted)).toHaveLength(3);
  });

  it('keeps each network of an account apart, and each account', async () => {
    await waits('A', 3);
    expect(await waits('B', 1)).toEqual([0]);
    user = `${user}x`;
    expect(await waits('A', 1)).toEqual([0]);
  });

  it('forgives a network its failures once its password is right', async () => {
    await waits('A', 3);
    clock.advance(1000);
    await login('A');
    expect(await waits('A', 4)).toEqual([0, 0, 0, 1000]);
  });

  it('makes unknown networks wait account-wide after its free failures, but not a network that logged in', async () => {
    await login('home');
    expect(await waits('N1', 1)).toEqual([0]);
    expect(await waits('N2', 1)).toEqual([0]);
    expect(await waits('N3', 1)).toEqual([0]);
    expect(await waits('N4', 1)).toEqual([0]);
    expect(await waits('N5', 1)).toEqual([0]);
    clock.advance(10_000);
    expect(await waits('N6', 1)).toEqual([50_000]);
    expect(await attempts.admit(user, 'home')).toEqual({ admitted: true, countedAccountWide: false });
    // A known network's own failures still count on its pair, and not account-wide.
    expect(await waits('home', 4)).toEqual([0, 0, 1000, 1000]);
  });

  it('takes a successful attempt back from the account-wide count', async () => {
    for (let i = 0; i < 10; i++) await login(`new ${i}`);
    expect(await waits('N1', 1)).toEqual([0]);
    expect(await waits('N2', 1)).toEqual([0]);
    expect(await waits('N3', 1)).toEqual([0]);
    expect(await waits('N4', 1)).toEqual([0]);
    expect(await waits('N5', 2)).toEqual([0, 60_000]);
  });

  it('knows a network for 30 days after its last login', async () => {
    await login('home');
    for (let i = 1; i <= 5; i++) await waits(`N${i}`, 1);
    clock.advance(KNOWN_NETWORK_MS - 1);
    expect(await attempts.admit(user, 'home')).toMatchObject({ admitted: true, countedAccountWide: false });
    clock.advance(1);
    for (let i = 6; i <= 10; i++) await waits(`N${i}`, 1);
    expect((await attempts.admit(user, 'home')).admitted).toBe(false);
  });
});

describe('LoginAttempts in memory', () => {
  it('forgets failures a day after their wait is over', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const attempts = new MemoryLoginAttempts(RULES, clock);
    for (let i = 0; i < 3; i++) await attempts.admit('u', 'A');
    clock.advance(1000 + FORGET_FAILURES_MS - 1);
    expect(await attempts.admit('u', 'A')).toMatchObject({ admitted: true });
    clock.advance(1 + 2000 + FORGET_FAILURES_MS);
    const admitted = [];
    for (let i = 0; i < 3; i++) admitted.push((await attempts.admit('u', 'A')).admitted);
    expect(admitted).toEqual([true, true, true]);
  });
});

(redisUrl ? describe : describe.skip)('LoginAttempts in Redis', () => {
  it('lets Redis forget failures a day after their wait, and a known network after 30 days', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const attempts = new RedisLoginAttempts(redis!, prefix, RULES, clock);
    for (let i = 0; i < 3; i++) await attempts.admit('ttl', 'A');
    expect(await redis!.pttl(`${prefix}login:pair:A:{account:ttl}`)).toBeGreaterThan(1000 + FORGET_FAILURES_MS - 5000);
    expect(await redis!.pttl(`${prefix}login:pair:A:{account:ttl}`)).toBeLessThanOrEqual(1000 + FORGET_FAILURES_MS);
    await attempts.succeeded('ttl', 'B', true);
    expect(await redis!.pttl(`${prefix}login:pair:B:{account:ttl}`)).toBeGreaterThan(KNOWN_NETWORK_MS - 5000);
  });
});
