import { api, newUser, TestDevice } from '../support/fixtures';
import { startServer, TestServer } from '../support/server';

const oneMessage = (to: TestDevice) => ({
  timestamp: Date.now(),
  messages: [{ destinationDeviceId: to.deviceId, destinationRegistrationId: to.keys.registrationId, type: 2, content: 'AAAA' }],
});

describe('queue bound and expiry (MAX_QUEUED_PER_DEVICE, MESSAGE_TTL_SECONDS)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ MAX_QUEUED_PER_DEVICE: '3', MESSAGE_TTL_SECONDS: '2' });
  });
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
