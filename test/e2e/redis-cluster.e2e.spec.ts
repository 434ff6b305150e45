import Redis from 'ioredis';
import { api, newAccount, newUser, PASSWORD, TestDevice } from '../support/fixtures';
import { missingRedisTools, startRedisCluster, TestRedisCluster } from '../support/redis-servers';
import { startServer, TestServer, usingRealServices } from '../support/server';
import { openSocket, socketPool } from '../support/sockets';

/**
 * One deployment on a Redis Cluster (REDIS_CLUSTER_NODES, docs/SCALING.md):
 * two real server processes on one PostgreSQL database and a three-master
 * cluster this file starts from redis-server on free loopback ports. Runs
 * in pass 2 of .ci/run (PARLEY_TEST_DATABASE_URL); under CI=true a missing
 * redis-server or redis-cli fails it rather than skipping it.
 */
const missing = missingRedisTools();
const skipped = !usingRealServices()
  ? 'needs PARLEY_TEST_DATABASE_URL; PGlite cannot be shared between processes'
  : missing.length && process.env.CI !== 'true'
    ? `needs ${missing.join(' and ')} on PATH`
    : null;
const title = 'Redis Cluster: two processes on three shards';

/** A bound on prompt cross-process delivery, not a performance goal (as in scale-out.e2e). */
const PROMPT_MS = 2000;

const opaqueTo = (device: TestDevice, marker: string) => [
  {
    destinationDeviceId: device.deviceId,
    destinationRegistrationId: device.keys.registrationId,
    type: 2,
    content: Buffer.from(`opaque ${marker}`).toString('base64'),
  },
];

(skipped ? describe.skip : describe)(skipped ? `${title} [skipped: ${skipped}]` : title, () => {
  let cluster: TestRedisCluster;
  let a: TestServer;
  let b: TestServer;
  const sockets = socketPool(() => b);

  beforeAll(async () => {
    if (missing.length) throw new Error(`${missing.join(' and ')} not on PATH: CI must run the Redis Cluster suite`);
    cluster = await startRedisCluster(3);
    a = await startServer({ REDIS_CLUSTER_NODES: cluster.nodes, RATE_LIMITS: 'keyFetch=5/60' });
    b = await a.sibling();
  });
  afterEach(() => sockets.closeAll());
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    await cluster?.stop();
  });

  it(`delivers envelopes accepted by process A to devices connected to process B within ${PROMPT_MS} ms, each over its own shard's channel`, async () => {
    const alice = await newUser(a);
    const recipients = await Promise.all([1, 2, 3, 4].map(() => newUser(a)));
    const onB = await Promise.all(recipients.map((device) => sockets.connect(device)));
    for (const [i, bob] of recipients.entries()) {
      const started = Date.now();
      const sent = await api(
        a,
        'PUT',
        `/v1/messages/${bob.username}`,
        { timestamp: 100 + i, messages: opaqueTo(bob, `m${i}`) },
        { token: alice.token },
      );
      expect(sent.status).toBe(200);
      const [envelope] = await onB[i].waitForEnvelopes(1, PROMPT_MS);
      expect(Date.now() - started).toBeLessThan(PROMPT_MS);
      expect(envelope).toMatchObject({
        source: alice.username,
        timestamp: 100 + i,
        content: Buffer.from(`opaque m${i}`).toString('base64'),
      });
    }

    // Sharded pub/sub: each device's channel is subscribed on exactly one shard, and nothing uses cluster-wide PUBLISH channels.
    const nodes = cluster.ports.map((port) => new Redis(port, '127.0.0.1'));
    try {
      const sharded = await Promise.all(nodes.map((node) => node.pubsub('SHARDCHANNELS') as Promise<string[]>));
      const classic = await Promise.all(nodes.map((node) => node.pubsub('CHANNELS') as Promise<string[]>));
      const all = sharded.flat();
      expect(all).toHaveLength(recipients.length);
      expect(new Set(all).size).toBe(recipients.length);
      expect(classic.flat()).toEqual([]);
    } finally {
      await Promise.all(nodes.map((node) => node.quit()));
    }
  });

  it('carries a socket `send` on process B to a device connected to process A', async () => {
    const alice = await newUser(a);
    const bob = await newUser(a);
    const [aliceOnB, bobOnA] = await Promise.all([sockets.connect(alice), openSocket(a, bob.token)]);
    try {
      expect(await aliceOnB.send({ destination: bob.username, timestamp: 7, messages: opaqueTo(bob, 'via socket') })).toEqual({
        status: 200,
        body: {},
      });
      const [envelope] = await bobOnA.waitForEnvelopes(1, PROMPT_MS);
      expect(envelope).toMatchObject({ source: alice.username, timestamp: 7 });
    } finally {
      bobOnA.close();
    }
  });

  it('shares a rate limit between the processes: the 6th of keyFetch=5/60 is refused on the other one', async () => {
    const bob = await newUser(a, { oneTimeKeys: 10 });
    const alice = await newUser(a);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await api([a, b][i % 2], 'GET', `/v1/keys/${bob.username}`, undefined, { token: alice.token })).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const sixth = await api(b, 'GET', `/v1/keys/${bob.username}`, undefined, { token: alice.token });
    expect(sixth.status).toBe(429);
    expect(Number(sixth.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('refuses on process B, over HTTP and the socket handshake, a token whose session was logged out on A', async () => {
    const bob = await newUser(a);
    expect((await api(b, 'GET', '/v1/messages', undefined, { token: bob.token })).status).toBe(200);
    expect((await api(a, 'POST', '/v1/auth/logout', undefined, { token: bob.token })).status).toBe(204);
    expect((await api(b, 'GET', '/v1/messages', undefined, { token: bob.token })).status).toBe(401);
    await expect(openSocket(b, bob.token)).rejects.toThrow('unauthorized');
  });

  it('backs off password guesses whichever process each lands on, and not the owner elsewhere', async () => {
    const owner = await newAccount(a);
    const guess = (server: TestServer) =>
      api(server, 'POST', '/v1/auth/login', { username: owner.username, password: 'a guess' }, { from: '203.0.113.60' });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await guess([a, b][i % 2])).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401]);
    expect((await guess(a)).status).toBe(429);
    expect((await guess(b)).status).toBe(429);
    const ownerLogin = await api(b, 'POST', '/v1/auth/login', { username: owner.username, password: PASSWORD }, { from: '198.51.100.60' });
    expect(ownerLogin.status).toBe(200);
  });

  it.each(['', '}', '{', '}{', '{x}y', 'a}b'])(
    'keeps both login counts of username %j in one slot: a wrong password is 401, not a cross-slot 503',
    async (username) => {
      const login = await api(a, 'POST', '/v1/auth/login', { username, password: 'a guess' }, { from: '192.0.2.61' });
      expect(login.status).toBe(401);
    },
  );
});
