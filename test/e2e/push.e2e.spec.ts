import { PUSH_WAKE_UP_PAYLOAD } from '@parley/protocol';
import { api, newUser, TestDevice } from '../support/fixtures';
import { pushServerEnv, TestPushService } from '../support/push-service';
import { startServer, TestServer, usingRealServices } from '../support/server';
import { openSocket, TestSocket } from '../support/sockets';

/**
 * Push wake-ups (API.md section 9) end to end: a real server sends Web
 * Push with VAPID to a push service on loopback that verifies the token
 * against the server's published key and decrypts every payload as the
 * device would (test/support/push-service.ts).
 */

/** How long a test waits to be sure a wake-up did not come: wake-ups take milliseconds here. */
const QUIET_MS = 500;
const quiet = () => new Promise((resolve) => setTimeout(resolve, QUIET_MS));

const opaqueTo = (to: TestDevice, extra: Record<string, unknown> = {}) => ({
  timestamp: Date.now(),
  ...extra,
  messages: [
    {
      destinationDeviceId: to.deviceId,
      destinationRegistrationId: to.keys.registrationId,
      type: 2,
      content: Buffer.from('opaque').toString('base64'),
    },
  ],
});

async function send(server: TestServer, from: TestDevice, to: TestDevice, extra: Record<string, unknown> = {}) {
  const res = await api(server, 'PUT', `/v1/messages/${to.username}`, opaqueTo(to, extra), { token: from.token });
  expect(res.status).toBe(200);
}

/** Registers a fresh subscription of the push service for `device`; returns its id there. */
async function subscribe(server: TestServer, push: TestPushService, device: TestDevice): Promise<string> {
  const { id, ...subscription } = push.subscribe();
  const res = await api(server, 'PUT', '/v1/push/subscription', subscription, { token: device.token });
  expect(res.status).toBe(200);
  return id;
}

const statusOf = async (server: TestServer, device: TestDevice) =>
  (await api(server, 'GET', '/v1/push/subscription', undefined, { token: device.token })).body;

/** Reading the queue over HTTP counts as fetching: the next envelope may wake the device again. */
const fetchQueue = async (server: TestServer, device: TestDevice) =>
  expect((await api(server, 'GET', '/v1/messages', undefined, { token: device.token })).status).toBe(200);

async function startWithPush(push: TestPushService, env: Record<string, string> = {}): Promise<TestServer> {
  const server = await startServer({ ...pushServerEnv(), ...env });
  const sender = await newUser(server);
  push.expectVapidKey((await api(server, 'GET', '/v1/push/vapid-key', undefined, { token: sender.token })).body.publicKey);
  return server;
}

describe('push wake-ups', () => {
  let push: TestPushService;
  let server: TestServer;
  let alice: TestDevice;

  beforeAll(async () => {
    push = await TestPushService.start();
    server = await startWithPush(push);
    alice = await newUser(server);
  });
  afterAll(async () => {
    await server?.stop();
    await push?.close();
  });
  afterEach(() => expect(push.rejected).toEqual([]));

  it('wakes an offline device with a VAPID-signed, content-free wake-up; the device connects and drains', async () => {
    const bob = await newUser(server);
    const id = await subscribe(server, push, bob);
    await send(server, alice, bob);
    const [wakeUp] = await push.waitFor(id, 1);
    expect(wakeUp).toMatchObject({ payload: PUSH_WAKE_UP_PAYLOAD, urgency: 'high', topic: 'parley-fetch', status: 201 });
    expect(wakeUp.claims.aud).toBe(push.origin);
    expect(JSON.parse(wakeUp.payload)).toEqual({ type: 'fetch' });

    const socket = await openSocket(server, bob.token);
    const [envelope] = await socket.waitForEnvelopes(1);
    expect(envelope.source).toBe(alice.username);
    socket.close();
    expect((await statusOf(server, bob)).lastSuccessAt).toEqual(expect.any(Number));
  });

  it('measures the wake-up latency from the send to the push service', async () => {
    const bob = await newUser(server);
    const id = await subscribe(server, push, bob);
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const sentAt = Date.now();
      await send(server, alice, bob);
      const wakeUps = await push.waitFor(id, i + 1);
      latencies.push(wakeUps[i].at - sentAt);
      await fetchQueue(server, bob);
    }
    latencies.sort((a, b) => a - b);
    const median = latencies[Math.floor(latencies.length / 2)];
    console.log(
      `wake-up latency, send to push service: median ${median} ms, max ${latencies[latencies.length - 1]} ms (${latencies.length} sends)`,
    );
    expect(median).toBeLessThan(1000);
  });

  it('coalesces: one wake-up for many envelopes until the device fetches, then wakes it again', async () => {
    const bob = await newUser(server);
    const id = await subscribe(server, push, bob);
    await Promise.all([send(server, alice, bob), send(server, alice, bob), send(server, alice, bob)]);
    await push.waitFor(id, 1);
    await send(server, alice, bob);
    await quiet();
    expect(push.wakeUpsOf(id)).toHaveLength(1);

    await fetchQueue(server, bob);
    await send(server, alice, bob);
    await push.waitFor(id, 2);
  });

  it('sends no wake-up to a device that is connected', async () => {
    const bob = await newUser(server);
    const id = await subscribe(server, push, bob);
    const socket: TestSocket = await openSocket(server, bob.token);
    await send(server, alice, bob);
    await socket.waitForEnvelopes(1);
    await quiet();
    expect(push.wakeUpsOf(id)).toEqual([]);
    socket.close();
  });

  it('asks for low urgency when the send says urgent: false', async () => {
    const bob = await newUser(server);
    const id = await subscribe(server, push, bob);
    await send(server, alice, bob, { urgent: false });
    expect((await push.waitFor(id, 1))[0].urgency).toBe('low');
  });

  it('sends nothing for an online send (nothing is queued)', async () => {
    const bob = await newUser(server);
    const id = await subscribe(server, push, bob);
    await send(server, alice, bob, { online: true });
    await quiet();
    expect(push.wakeUpsOf(id)).toEqual([]);
  });

  it.each([404, 410])('drops the subscription when the push service answers %i', async (status) => {
    const bob = await newUser(server);
    const id = await subscribe(server, push, bob);
    push.script(id, { status });
    await send(server, alice, bob);
    await push.waitFor(id, 1);
    await waitForStatus(server, bob, (s) => s.droppedAt !== null);
    expect(await statusOf(server, bob)).toMatchObject({ lastFailureStatus: status, droppedAt: expect.any(Number), lastSuccessAt: null });

    await fetchQueue(server, bob);
    await send(server, alice, bob);
    await quiet();
    expect(push.wakeUpsOf(id)).toHaveLength(1);
  });

  it('retries a 429 after its Retry-After, and records the success', async () => {
    const bob = await newUser(server);
    const id = await subscribe(server, push, bob);
    push.script(id, { status: 429, retryAfter: 1 });
    await send(server, alice, bob);
    const [refused, accepted] = await push.waitFor(id, 2, 5000);
    expect(refused.status).toBe(429);
    expect(accepted.status).toBe(201);
    expect(accepted.at - refused.at).toBeGreaterThanOrEqual(900);
    await waitForStatus(server, bob, (s) => s.lastSuccessAt !== null);
  });

  it('records a 413 as a failure without retrying it or dropping the subscription', async () => {
    const bob = await newUser(server);
    const id = await subscribe(server, push, bob);
    push.script(id, { status: 413 });
    await send(server, alice, bob);
    await push.waitFor(id, 1);
    await waitForStatus(server, bob, (s) => s.lastFailureStatus === 413);
    await quiet();
    expect(push.wakeUpsOf(id)).toHaveLength(1);
    expect((await statusOf(server, bob)).droppedAt).toBeNull();
  });

  it('counts sent, failed and dropped wake-ups in /metrics', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    for (const outcome of ['sent', 'failed', 'dropped']) {
      expect(text).toMatch(new RegExp(`parley_push_wake_ups_total\\{outcome="${outcome}"\\} [1-9]`));
    }
    expect(text).toMatch(/parley_push_wake_up_seconds_count [1-9]/);
  });

  describe('the subscription routes', () => {
    it('registers, replaces, reads and removes the calling device subscription', async () => {
      const bob = await newUser(server);
      expect((await api(server, 'GET', '/v1/push/subscription', undefined, { token: bob.token })).status).toBe(404);
      const first = await subscribe(server, push, bob);
      push.script(first, { status: 413 });
      await send(server, alice, bob);
      await waitForStatus(server, bob, (s) => s.lastFailureStatus === 413);

      const { id: _id, ...second } = push.subscribe();
      const replaced = await api(server, 'PUT', '/v1/push/subscription', second, { token: bob.token });
      expect(replaced.body).toEqual({
        endpoint: second.endpoint,
        createdAt: expect.any(Number),
        lastSuccessAt: null,
        lastFailureAt: null,
        lastFailureStatus: null,
        droppedAt: null,
      });
      expect((await api(server, 'DELETE', '/v1/push/subscription', undefined, { token: bob.token })).status).toBe(204);
      expect((await api(server, 'DELETE', '/v1/push/subscription', undefined, { token: bob.token })).status).toBe(204);
      expect((await api(server, 'GET', '/v1/push/subscription', undefined, { token: bob.token })).status).toBe(404);
    });

    it.each([
      ['a p256dh that is not a P-256 point', (s: any) => (s.keys.p256dh = Buffer.alloc(65, 4).toString('base64url')), 'invalid_key'],
      ['an auth secret of 15 bytes', (s: any) => (s.keys.auth = Buffer.alloc(15).toString('base64url')), 'invalid_key'],
      ['no keys', (s: any) => delete s.keys, 'validation_failed'],
      ['an unknown field', (s: any) => (s.sender = 'alice'), 'unknown_field'],
      ['plain http', (s: any) => (s.endpoint = s.endpoint.replace('https:', 'http:')), 'push_endpoint_refused'],
      ['an endpoint of 3000 characters', (s: any) => (s.endpoint += 'x'.repeat(3000)), 'validation_failed'],
    ])('refuses %s with 400 and stores nothing', async (_name, edit, error) => {
      const bob = await newUser(server);
      const { id: _id, ...subscription } = push.subscribe();
      edit(subscription);
      const res = await api(server, 'PUT', '/v1/push/subscription', subscription, { token: bob.token });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe(error);
      expect((await api(server, 'GET', '/v1/push/subscription', undefined, { token: bob.token })).status).toBe(404);
    });
  });
});

/** SSRF: without PUSH_ALLOW_PRIVATE_ENDPOINTS a client cannot make the server post into its own network. */
describe('push endpoints inside the network (attacker)', () => {
  let push: TestPushService;
  let server: TestServer;

  beforeAll(async () => {
    push = await TestPushService.start();
    server = await startServer({ NODE_EXTRA_CA_CERTS: pushServerEnv().NODE_EXTRA_CA_CERTS });
  });
  afterAll(async () => {
    await server?.stop();
    await push?.close();
  });

  it.each([
    ['the loopback push service itself', () => push.origin],
    ['localhost by name', () => push.origin.replace('127.0.0.1', 'localhost')],
    ['IPv6 loopback', () => 'https://[::1]:9'],
    ['the cloud metadata address', () => 'https://169.254.169.254'],
    ['a private network', () => 'https://10.0.0.1'],
    ['an IPv4-mapped loopback', () => 'https://[::ffff:127.0.0.1]'],
  ])('refuses %s with 400 push_endpoint_refused, stores nothing, and never calls it', async (_name, origin) => {
    const mallory = await newUser(server);
    const { id, keys } = push.subscribe();
    const res = await api(server, 'PUT', '/v1/push/subscription', { endpoint: `${origin()}/push/${id}`, keys }, { token: mallory.token });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('push_endpoint_refused');
    expect((await api(server, 'GET', '/v1/push/subscription', undefined, { token: mallory.token })).status).toBe(404);
    expect(push.received).toEqual([]);
  });
});

/** Which device is connected, and coalescing, hold across processes (Redis shared state). */
const describeScaleOut = usingRealServices() ? describe : describe.skip;
describeScaleOut(
  usingRealServices()
    ? 'push wake-ups across processes (two processes, PostgreSQL + Redis)'
    : 'push wake-ups across processes [skipped: needs PARLEY_TEST_DATABASE_URL and PARLEY_TEST_REDIS_URL]',
  () => {
    let push: TestPushService;
    let a: TestServer;
    let b: TestServer;

    beforeAll(async () => {
      push = await TestPushService.start();
      a = await startWithPush(push);
      b = await a.sibling();
    });
    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      await push?.close();
    });
    afterEach(() => expect(push.rejected).toEqual([]));

    it('signs with one VAPID key on every process', async () => {
      const device = await newUser(a);
      const keyOf = async (server: TestServer) => (await api(server, 'GET', '/v1/push/vapid-key', undefined, { token: device.token })).body;
      expect(await keyOf(b)).toEqual(await keyOf(a));
    });

    it('does not wake a device connected to the other process, and wakes it once it left', async () => {
      const [alice, bob] = [await newUser(a), await newUser(a)];
      const id = await subscribe(a, push, bob);
      const socket = await openSocket(a, bob.token);
      await send(b, alice, bob);
      await socket.waitForEnvelopes(1);
      await quiet();
      expect(push.wakeUpsOf(id)).toEqual([]);

      socket.close();
      await quiet();
      await send(b, alice, bob);
      await push.waitFor(id, 1);
    });

    it('coalesces wake-ups of one device across processes', async () => {
      const [alice, bob] = [await newUser(a), await newUser(a)];
      const id = await subscribe(b, push, bob);
      await Promise.all([send(a, alice, bob), send(b, alice, bob), send(a, alice, bob), send(b, alice, bob)]);
      await push.waitFor(id, 1);
      await quiet();
      expect(push.wakeUpsOf(id)).toHaveLength(1);
    });
  },
);

async function waitForStatus(server: TestServer, device: TestDevice, done: (status: any) => boolean) {
  const deadline = Date.now() + 5000;
  while (!done(await statusOf(server, device))) {
    if (Date.now() > deadline) throw new Error(`status never matched: ${JSON.stringify(await statusOf(server, device))}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
