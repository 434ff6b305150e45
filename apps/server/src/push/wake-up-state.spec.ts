import Redis from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import { ManualClock } from '../common/clock';
import type { DeliveryBus } from '../delivery/delivery-bus';
import { LocalDeliveryBus } from '../delivery/local-delivery-bus';
import { RedisDeliveryBus } from '../delivery/redis-delivery-bus';
import { MemoryWakeUpCoalescer, RedisWakeUpCoalescer, WakeUpCoalescer } from './wake-up-coalescer';

/** The shared state push wake-ups rely on, in both modes (Redis in pass 2 of .ci/run, with PARLEY_TEST_REDIS_URL). */
const redisUrl = process.env.PARLEY_TEST_REDIS_URL;
const prefix = `parley-test-${randomBytes(4).toString('hex')}:`;
let redis: Redis | undefined;
const opened: DeliveryBus[] = [];

beforeAll(() => {
  if (redisUrl) redis = new Redis(redisUrl);
});
afterAll(async () => {
  await Promise.all(opened.map((bus) => bus.close()));
  if (!redis) return;
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});
if (!redisUrl) it.skip('push wake-up state in Redis [skipped: needs PARLEY_TEST_REDIS_URL, as in pass 2 of .ci/run]', () => undefined);

const INTERVAL_MS = 60_000;

const coalescers: [string, () => WakeUpCoalescer][] = [['in memory', () => new MemoryWakeUpCoalescer(new ManualClock())]];
if (redisUrl) coalescers.push(['in Redis', () => new RedisWakeUpCoalescer(redis!, prefix)]);

describe.each(coalescers)('WakeUpCoalescer %s', (_name, create) => {
  it('lets one claim per device through until it is released', async () => {
    const coalescer = create();
    const account = randomUUID();
    expect(await coalescer.claim(account, 1, INTERVAL_MS)).toBe(true);
    expect(await coalescer.claim(account, 1, INTERVAL_MS)).toBe(false);
    expect(await coalescer.claim(account, 2, INTERVAL_MS)).toBe(true);
    await coalescer.release(account, 1);
    expect(await coalescer.claim(account, 1, INTERVAL_MS)).toBe(true);
  });

  it('gives exactly one of many concurrent claims', async () => {
    const coalescer = create();
    const account = randomUUID();
    const claims = await Promise.all(Array.from({ length: 20 }, () => coalescer.claim(account, 1, INTERVAL_MS)));
    expect(claims.filter(Boolean)).toHaveLength(1);
  });
});

it('a claim in memory ends with its interval', async () => {
  const clock = new ManualClock();
  const coalescer = new MemoryWakeUpCoalescer(clock);
  expect(await coalescer.claim('a', 1, INTERVAL_MS)).toBe(true);
  clock.advance(INTERVAL_MS - 1);
  expect(await coalescer.claim('a', 1, INTERVAL_MS)).toBe(false);
  clock.advance(1);
  expect(await coalescer.claim('a', 1, INTERVAL_MS)).toBe(true);
});

/**
 * Whether a device is connected anywhere is whether some process took its
 * signal: MessagesService wakes only the devices whose envelope signal
 * reached no subscriber.
 */
const buses: [string, () => DeliveryBus][] = [['in memory', () => new LocalDeliveryBus()]];
if (redisUrl) {
  buses.push([
    'in Redis',
    () => {
      const bus = new RedisDeliveryBus(new Redis(redisUrl), new Redis(redisUrl), prefix);
      opened.push(bus);
      return bus;
    },
  ]);
}

describe.each(buses)('DeliveryBus %s', (_name, create) => {
  it('says whether some process took a signal: only while a device is subscribed', async () => {
    const bus = create();
    const account = randomUUID();
    const signal = { kind: 'takeover', connectionId: 'socket-1' } as const;
    expect(await bus.publish(account, 1, signal)).toBe(false);
    const unsubscribe = await bus.subscribe(account, 1, () => undefined);
    expect([await bus.publish(account, 1, signal), await bus.publish(account, 2, signal)]).toEqual([true, false]);
    await unsubscribe();
    expect(await bus.publish(account, 1, signal)).toBe(false);
  });
});
