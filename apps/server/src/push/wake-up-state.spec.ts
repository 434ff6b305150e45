import Redis from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import { ManualClock } from '../common/clock';
import { ConnectedDevices, MemoryConnectedDevices, RedisConnectedDevices } from '../delivery/connected-devices';
import { MemoryWakeUpCoalescer, RedisWakeUpCoalescer, WakeUpCoalescer } from './wake-up-coalescer';

/** The shared state push wake-ups rely on, in both modes (Redis in pass 2 of .ci/run, with PARLEY_TEST_REDIS_URL). */
const redisUrl = process.env.PARLEY_TEST_REDIS_URL;
const prefix = `parley-test-${randomBytes(4).toString('hex')}:`;
let redis: Redis | undefined;
const opened: ConnectedDevices[] = [];

beforeAll(() => {
  if (redisUrl) redis = new Redis(redisUrl);
});
afterAll(async () => {
  await Promise.all(opened.map((devices) => devices.close()));
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

/** Two "processes" of one deployment: in memory there is only one. */
const deployments: [string, () => Promise<[ConnectedDevices, ConnectedDevices]>][] = [
  [
    'in memory',
    async () => {
      const devices = new MemoryConnectedDevices();
      return [devices, devices];
    },
  ],
];
if (redisUrl) {
  deployments.push([
    'in Redis',
    async () => {
      const pair: [ConnectedDevices, ConnectedDevices] = [
        await RedisConnectedDevices.start(redis!, prefix),
        await RedisConnectedDevices.start(redis!, prefix),
      ];
      opened.push(...pair);
      return pair;
    },
  ]);
}

describe.each(deployments)('ConnectedDevices %s', (_name, start) => {
  it('counts a device connected while any of its connections is open, on any process', async () => {
    const [a, b] = await start();
    const account = randomUUID();
    await a.connected(account, 1, 'socket-1');
    await b.connected(account, 1, 'socket-2');
    expect([await a.isConnected(account, 1), await b.isConnected(account, 1), await b.isConnected(account, 2)]).toEqual([
      true,
      true,
      false,
    ]);
    await b.disconnected(account, 1, 'socket-2');
    expect(await b.isConnected(account, 1)).toBe(true);
    await a.disconnected(account, 1, 'socket-1');
    expect(await b.isConnected(account, 1)).toBe(false);
  });
});

(redisUrl ? it : it.skip)('stops counting the connections of a process whose lease is gone (it crashed)', async () => {
  const crashed = await RedisConnectedDevices.start(redis!, prefix);
  const alive = await RedisConnectedDevices.start(redis!, prefix);
  opened.push(alive);
  const account = randomUUID();
  await crashed.connected(account, 1, 'socket-1');
  expect(await alive.isConnected(account, 1)).toBe(true);
  await crashed.close(); // drops the lease and leaves its connections behind, as a process killed mid-connection would after 30 s
  expect(await alive.isConnected(account, 1)).toBe(false);
  expect(await redis!.exists(`${prefix}connected:${account}.1`)).toBe(0);
});
