import { api, newAccount, newDevice, newUser, PASSWORD, TestDevice, removeDevice } from '../support/fixtures';
import { startServer, TestServer, usingRealServices } from '../support/server';
import { expectEachKeyClaimedOnce } from '../support/key-claims';
import { openSocket, TestSocket, until } from '../support/sockets';

/**
 * Scale-out (API.md section 4: "A device connected to any server process of
 * the deployment receives envelopes accepted by any other"): two real server
 * processes on one PostgreSQL database and one Redis. Only meaningful with
 * real services, so it runs in pass 2 (PARLEY_TEST_DATABASE_URL set) and must
 * not be skipped there; PGlite lives inside one process and cannot be shared.
 */
const real = usingRealServices();
const describeScaleOut = real ? describe : describe.skip;
const title = (what: string) =>
  real
    ? `scale-out: ${what} (two processes, PostgreSQL + Redis)`
    : `scale-out: ${what} [skipped: needs PARLEY_TEST_DATABASE_URL and PARLEY_TEST_REDIS_URL; PGlite cannot be shared between processes]`;

/** Delivery from one process to a device on the other must be prompt; this is a bound, not a performance goal. */
const PROMPT_MS = 2000;

const opaqueTo = (devices: TestDevice[], marker = 'x') =>
  devices.map((d) => ({
    destinationDeviceId: d.deviceId,
    destinationRegistrationId: d.keys.registrationId,
    type: 2,
    content: Buffer.from(`opaque ${marker}`).toString('base64'),
  }));

/** Starts a deployment of two processes sharing storage and Redis. */
async function startPair(env: Record<string, string> = {}): Promise<[TestServer, TestServer]> {
  if (!process.env.PARLEY_TEST_REDIS_URL) {
    throw new Error('scale-out tests need PARLEY_TEST_REDIS_URL next to PARLEY_TEST_DATABASE_URL');
  }
  const a = await startServer(env);
  const b = await a.sibling();
  return [a, b];
}

/** Resolves with the disconnect reason once the socket is closed. */
const disconnected = (socket: TestSocket) =>
  new Promise<string>((resolve) => {
    if (socket.socket.disconnected) resolve('already disconnected');
    else socket.socket.once('disconnect', (reason) => resolve(reason));
  });

/**
 * Waits until a socket's process has subscribed the device to its channel
 * (the client's `connect` fires before the server's handleConnection has
 * finished): a live envelope through it proves the subscription.
 */
async function subscribed(server: TestServer, from: TestDevice, to: TestDevice, socket: TestSocket) {
  const before = socket.envelopes.length;
  const sent = await api(
    server,
    'PUT',
    `/v1/messages/${to.username}`,
    { timestamp: 1, messages: opaqueTo([to], 'ready') },
    { token: from.token },
  );
  expect(sent.status).toBe(200);
  await socket.waitForEnvelopes(before + 1, PROMPT_MS);
}

const withTimeout = <T>(promise: Promise<T>, ms: number, what: string) =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)),
  ]);

describeScaleOut(title('delivery, takeover, removal and revocation across processes'), () => {
  let a: TestServer;
  let b: TestServer;
  const sockets: TestSocket[] = [];
  const connect = async (server: TestServer, device: TestDevice) => {
    const s = await openSocket(server, device.token);
    sockets.push(s);
    return s;
  };

  beforeAll(async () => {
    [a, b] = await startPair();
  });
  afterEach(() => {
    sockets.splice(0).forEach((s) => s.close());
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  it(`delivers an envelope accepted by process A to a device connected to process B within ${PROMPT_MS} ms`, async () => {
    const alice = await newUser(a);
    const bob = await newUser(a);
    const bobOnB = await connect(b, bob);
    for (let i = 0; i < 5; i++) {
      const started = Date.now();
      const sent = await api(
        a,
        'PUT',
        `/v1/messages/${bob.username}`,
        { timestamp: 1000 + i, messages: opaqueTo([bob], `m${i}`) },
        { token: alice.token },
      );
      expect(sent.status).toBe(200);
      await bobOnB.waitForEnvelopes(i + 1, PROMPT_MS);
      const elapsed = Date.now() - started;
      expect(elapsed).toBeLessThan(PROMPT_MS);
    }
    expect(bobOnB.envelopes.map((e) => e.timestamp)).toEqual([1000, 1001, 1002, 1003, 1004]);
    expect(bobOnB.envelopes[0]).toMatchObject({ source: alice.username, sourceDeviceId: alice.deviceId, type: 2 });
  });

  it('carries a socket `send` on process B to a device connected to process A', async () => {
    const alice = await newUser(a);
    const bob = await newUser(a);
    const [aliceOnB, bobOnA] = await Promise.all([connect(b, alice), connect(a, bob)]);
    const reply = await aliceOnB.send({ destination: bob.username, timestamp: 77, messages: opaqueTo([bob], 'via socket') });
    expect(reply).toEqual({ status: 200, body: {} });
    const [envelope] = await bobOnA.waitForEnvelopes(1, PROMPT_MS);
    expect(envelope).toMatchObject({ source: alice.username, timestamp: 77, content: Buffer.from('opaque via socket').toString('base64') });
  });

  it('lets the newer connection win across processes: connecting on B closes the older socket on A', async () => {
    const alice = await newUser(a);
    const bob = await newUser(a);
    const older = await connect(a, bob);
    await subscribed(a, alice, bob, older);
    const olderClosed = disconnected(older);
    const newer = await connect(b, bob);
    expect(await withTimeout(olderClosed, 5000, 'the older socket on A to close')).toBe('io server disconnect');
    expect(newer.socket.connected).toBe(true);

    expect(
      (await api(a, 'PUT', `/v1/messages/${bob.username}`, { timestamp: 5, messages: opaqueTo([bob]) }, { token: alice.token })).status,
    ).toBe(200);
    await until(() => newer.envelopes.some((e) => e.timestamp === 5), PROMPT_MS, 'the envelope on the newer socket');
    expect(older.envelopes.filter((e) => e.timestamp === 5)).toHaveLength(0);
    expect(newer.socket.connected).toBe(true);
  });

  it('closes a device’s socket on B when the device is removed on A, and its token is refused on B', async () => {
    const bobAccount = await newAccount(a);
    const bob1 = await newDevice(a, bobAccount);
    const bob2 = await newDevice(a, bobAccount);
    const bob2OnB = await connect(b, bob2);
    await subscribed(a, bob1, bob2, bob2OnB);
    const closed = disconnected(bob2OnB);
    expect((await removeDevice(a, bob1, bob2.deviceId)).status).toBe(204);
    expect(await withTimeout(closed, 5000, 'the removed device’s socket on B to close')).toBe('io server disconnect');

    expect((await api(b, 'GET', '/v1/messages', undefined, { token: bob2.token })).status).toBe(401);
    await expect(openSocket(b, bob2.token)).rejects.toThrow('unauthorized');
  });

  it('honours a logout on A on B at once: the access token is refused over HTTP and the socket handshake', async () => {
    const bob = await newUser(a);
    expect((await api(b, 'GET', '/v1/messages', undefined, { token: bob.token })).status).toBe(200);
    expect((await api(a, 'POST', '/v1/auth/logout', undefined, { token: bob.token })).status).toBe(204);
    expect((await api(b, 'GET', '/v1/messages', undefined, { token: bob.token })).status).toBe(401);
    await expect(openSocket(b, bob.token)).rejects.toThrow('unauthorized');
    expect((await api(a, 'GET', '/v1/messages', undefined, { token: bob.token })).status).toBe(401);
  });
});

describeScaleOut(title('rate limits shared by both processes'), () => {
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    [a, b] = await startPair({ RATE_LIMITS: 'keyFetch=5/60' });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  it.each([
    ['A', 0],
    ['B', 1],
  ])('refuses the 6th of keyFetch=5/60 when it lands on process %s', async (_name, last) => {
    const bob = await newUser(a, { oneTimeKeys: 10 });
    const alice = await newUser(a);
    const servers = [a, b];
    const statuses: number[] = [];
    // Alternate the first five between the processes, the sixth goes to the process under test.
    for (let i = 0; i < 5; i++) {
      statuses.push((await api(servers[(i + last + 1) % 2], 'GET', `/v1/keys/${bob.username}`, undefined, { token: alice.token })).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const sixth = await api(servers[last], 'GET', `/v1/keys/${bob.username}`, undefined, { token: alice.token });
    expect(sixth.status).toBe(429);
    expect(sixth.body.error).toBe('rate_limited');
    expect(Number(sixth.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another requester has its own bucket, on either process.
    const carol = await newUser(b);
    expect((await api(b, 'GET', `/v1/keys/${bob.username}`, undefined, { token: carol.token })).status).toBe(200);
  });

  it('backs off an attacker’s password guesses whichever process each lands on, and not the owner elsewhere', async () => {
    const owner = await newAccount(a);
    const guess = (server: TestServer) =>
      api(server, 'POST', '/v1/auth/login', { username: owner.username, password: 'a guess' }, { from: '203.0.113.50' });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await guess([a, b][i % 2])).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401]);
    expect((await guess(a)).status).toBe(429);
    expect((await guess(b)).status).toBe(429);
    const ownerLogin = await api(b, 'POST', '/v1/auth/login', { username: owner.username, password: PASSWORD }, { from: '198.51.100.50' });
    expect(ownerLogin.status).toBe(200);
  });
});

describeScaleOut(title('one-time keys handed out exactly once across both processes'), () => {
  const ONE_TIME_KEYS = 40;
  const FETCHES = 100;
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    [a, b] = await startPair({ RATE_LIMITS: 'keyFetch=10000/1,keyFetchPerTarget=10000/1' });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  it(`hands out each of ${ONE_TIME_KEYS} keys once to ${FETCHES} concurrent fetches split between A and B`, async () => {
    await expectEachKeyClaimedOnce([a, b], { oneTimeKeys: ONE_TIME_KEYS, fetches: FETCHES, requesters: 4 });
  });
});
