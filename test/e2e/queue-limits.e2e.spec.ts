import { api, newUser, TestDevice } from '../support/fixtures';
import { startServer, TestServer } from '../support/server';
import { socketPool } from '../support/sockets';

const oneMessage = (to: TestDevice) => ({
  timestamp: Date.now(),
  messages: [{ destinationDeviceId: to.deviceId, destinationRegistrationId: to.keys.registrationId, type: 2, content: 'AAAA' }],
});

describe('queue bound and expiry (MAX_QUEUED_PER_DEVICE, MESSAGE_TTL_SECONDS)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ MAX_QUEUED_PER_DEVICE: '3', MESSAGE_TTL_SECONDS: '2' });
  });
  const sockets = socketPool(() => server);
  afterEach(sockets.closeAll);
  afterAll(async () => {
    await server?.stop();
  });

  it('refuses a send to a full queue with 429 queue_full and Retry-After, storing nothing', async () => {
    const alice = await newUser(server);
    const bob = await newUser(server);
    for (let i = 0; i < 3; i++)
      expect((await api(server, 'PUT', `/v1/messages/${bob.username}`, oneMessage(bob), { token: alice.token })).status).toBe(200);
    const full = await api(server, 'PUT', `/v1/messages/${bob.username}`, oneMessage(bob), { token: alice.token });
    expect(full.status).toBe(429);
    expect(full.body.error).toBe('queue_full');
    expect(full.headers.get('retry-after')).toBeTruthy();
    expect((await api(server, 'GET', '/v1/messages', undefined, { token: bob.token })).body.messages).toHaveLength(3);
    // online-only envelopes are never queued, so a full queue does not refuse them.
    expect(
      (await api(server, 'PUT', `/v1/messages/${bob.username}`, { ...oneMessage(bob), online: true }, { token: alice.token })).status,
    ).toBe(200);
  });

  it('answers a socket send to a full queue as HTTP does, with the wait as retryAfterMs', async () => {
    const [alice, carol, bob] = await Promise.all([newUser(server), newUser(server), newUser(server)]);
    for (const sender of [alice, carol, alice])
      expect((await api(server, 'PUT', `/v1/messages/${bob.username}`, oneMessage(bob), { token: sender.token })).status).toBe(200);
    const socket = await sockets.connect(carol);
    expect(await socket.send({ destination: bob.username, ...oneMessage(bob) })).toEqual({
      status: 429,
      body: expect.objectContaining({ error: 'queue_full' }),
      retryAfterMs: 60_000,
    });
  });

  it('stops delivering envelopes older than the TTL', async () => {
    const alice = await newUser(server);
    const bob = await newUser(server);
    expect((await api(server, 'PUT', `/v1/messages/${bob.username}`, oneMessage(bob), { token: alice.token })).status).toBe(200);
    expect((await api(server, 'GET', '/v1/messages', undefined, { token: bob.token })).body.messages).toHaveLength(1);
    // The TTL is 2 s of the database's clock; wait it out once rather than inject a clock into PostgreSQL.
    await new Promise((r) => setTimeout(r, 2500));
    expect((await api(server, 'GET', '/v1/messages', undefined, { token: bob.token })).body.messages).toHaveLength(0);
  });
});
