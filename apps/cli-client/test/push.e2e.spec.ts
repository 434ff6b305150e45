import { PUSH_WAKE_UP_PAYLOAD } from '@parley/protocol';
import { api } from '../../../test/support/fixtures';
import { pushServerEnv, TestPushService } from '../../../test/support/push-service';
import { startServer, TestServer } from '../../../test/support/server';
import { CliDevice, cliEnv, tempHome } from './cli-runner';

/**
 * `parley push`: a CLI device registers a subscription of the loopback
 * push service (as a UnifiedPush distributor would hand it one), is woken
 * while offline when a contact writes, and drains its queue.
 */
describe('parley push', () => {
  let server: TestServer;
  let push: TestPushService;
  let home: ReturnType<typeof tempHome>;
  let alice: CliDevice, bob: CliDevice;

  beforeAll(async () => {
    push = await TestPushService.start();
    server = await startServer(pushServerEnv());
    home = tempHome();
    const env = cliEnv(home.home, server.url);
    [alice, bob] = ['alice', 'bob'].map((p) => new CliDevice(p, env));
    await alice.json('register', 'alice');
    await bob.json('register', 'bob');
    const login = await api(server, 'POST', '/v1/auth/login', { username: 'alice', password: 'correct horse battery' });
    push.expectVapidKey((await api(server, 'GET', '/v1/push/vapid-key', undefined, { token: login.body.accessToken })).body.publicKey);
  });
  afterAll(async () => {
    await server?.stop();
    await push?.close();
    home?.remove();
  });

  it('shows that a device has no subscription', async () => {
    expect(await bob.json('push')).toEqual({ subscription: null });
    expect((await bob.run('push', 'status')).stdout).toMatch(/no push subscription/);
  });

  it('registers a subscription, wakes the offline device when alice writes, and the device drains', async () => {
    const { id, endpoint, keys } = push.subscribe();
    const registered = await bob.json('push', 'register', endpoint, '--p256dh', keys.p256dh, '--auth', keys.auth);
    expect(registered.subscription).toMatchObject({ endpoint, droppedAt: null });

    await alice.json('send', 'bob', 'wake up');
    const [wakeUp] = await push.waitFor(id, 1);
    expect(wakeUp).toMatchObject({ payload: PUSH_WAKE_UP_PAYLOAD, urgency: 'high' });
    expect(push.rejected).toEqual([]);

    expect((await bob.inbox()).map((m) => m.text)).toEqual(['wake up']);
    expect((await bob.json('push', 'status')).subscription.lastSuccessAt).toEqual(expect.any(Number));
    expect((await bob.run('push')).stdout).toMatch(/state\s+live[\s\S]*last wake-up\s+\d{4}-/);
  });

  it("answers a refused registration with the server's error code, and removes the subscription", async () => {
    const { keys } = push.subscribe();
    const refused = await bob.run('--json', 'push', 'register', 'http://push.example/x', '--p256dh', keys.p256dh, '--auth', keys.auth);
    expect(refused.code).toBe(2);
    expect(JSON.parse(refused.stderr)).toMatchObject({ error: 'push_endpoint_refused', message: expect.stringMatching(/https/) });
    expect(await bob.json('push', 'remove')).toEqual({ subscription: null });
    expect(await bob.json('push')).toEqual({ subscription: null });
  });
});
