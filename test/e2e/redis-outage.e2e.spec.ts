import type { ChildProcess } from 'node:child_process';
import { freePort } from '@parley/testkit';
import { ParleyClient, RealtimeConnection } from '@parley/protocol';
import { generateServerKey, loadPrivateKey, newNonce, rawPublicKey, signRequest } from '../../apps/server/src/federation/signature';
import { api, newUser } from '../support/fixtures';
import { startServer, TestServer } from '../support/server';
import { openSocket } from '../support/sockets';
import { startRedisServer } from '../support/redis-servers';

describe('when Redis is unreachable (REDIS_URL set)', () => {
  let server: TestServer;
  let redis: ChildProcess;
  let redisPort: number;
  // A peer whose key is given in config, so a signed request needs nothing but the nonce store.
  const peerKey = loadPrivateKey(generateServerKey());
  const signedClaim = () => {
    const path = '/federation/v1/keys/claim';
    const body = Buffer.from(JSON.stringify({ requester: 'mallet@peer.test', username: 'nobody' }));
    const headers = signRequest(peerKey, {
      method: 'POST',
      path,
      origin: 'peer.test',
      destination: 'outage.test',
      timestamp: Date.now(),
      nonce: newNonce(),
      body,
    });
    return fetch(`${server.url}${path}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
  };

  beforeAll(async () => {
    redisPort = await freePort();
    redis = await startRedisServer(redisPort);
    server = await startServer({
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      REDIS_PREFIX: 'outage:',
      PARLEY_DOMAIN: 'outage.test',
      PARLEY_PEERS: `peer.test=http://127.0.0.1:9#${rawPublicKey(peerKey)}`,
    });
  });
  afterAll(async () => {
    await server?.stop();
    redis?.kill('SIGKILL');
  });

  it('answers 503 service_unavailable (not 401) and recovers when Redis is back', async () => {
    const alice = await newUser(server);
    expect((await api(server, 'GET', '/v1/devices', undefined, { token: alice.token })).status).toBe(200);

    redis.kill('SIGKILL');
    await new Promise((r) => redis.once('exit', r));

    const devices = await api(server, 'GET', '/v1/devices', undefined, { token: alice.token });
    expect(devices.status).toBe(503);
    expect(devices.body.error).toBe('service_unavailable');
    expect(devices.headers.get('retry-after')).toBeTruthy();
    expect((await api(server, 'GET', '/healthz')).status).toBe(503);
    const login = await api(server, 'POST', '/v1/auth/login', { username: alice.username, password: 'wrong password!' });
    expect(login.status).toBe(503);
    await expect(openSocket(server, alice.token)).rejects.toThrow('unavailable');
    // The federation nonce store lives in Redis too: a signed request waits for it (503), it is not a 500.
    const claim = await signedClaim();
    expect(claim.status).toBe(503);
    expect(await claim.json()).toMatchObject({ error: 'service_unavailable' });
    // The SDK keeps trying after `unavailable`, and gets through once Redis is back.
    const realtime = new RealtimeConnection(server.url, new ParleyClient(server.url, alice.tokens).tokens);
    const connected = new Promise<void>((resolve) => realtime.once('connected', () => resolve()));
    realtime.connect();

    redis = await startRedisServer(redisPort);
    await connected;
    realtime.close();
    let status = 0;
    for (let i = 0; i < 100 && status !== 200; i++) {
      status = (await api(server, 'GET', '/v1/devices', undefined, { token: alice.token })).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
    expect((await api(server, 'GET', '/healthz')).status).toBe(200);
    expect((await signedClaim()).status).toBe(404); // signature and nonce accepted; no such user
  });
});
