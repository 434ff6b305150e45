import { uniqueUsername, PASSWORD } from '../support/fixtures';
import { startServer, TestServer } from '../support/server';

const register = (server: TestServer, forwardedFor: string) =>
  fetch(`${server.url}/v1/accounts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
    body: JSON.stringify({ username: uniqueUsername(), password: PASSWORD }),
  });

describe('client addresses behind a trusted proxy (TRUST_PROXY)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ TRUST_PROXY: 'loopback', RATE_LIMITS: 'registrationPerIp=2/600' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('gives each forwarded client its own per-IP bucket', async () => {
    expect((await register(server, '203.0.113.1')).status).toBe(201);
    expect((await register(server, '203.0.113.1')).status).toBe(201);
    const third = await register(server, '203.0.113.1');
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBeTruthy();
    expect((await register(server, '203.0.113.2')).status).toBe(201);
  });

  it("counts an IPv6 client's whole /64 as one registering address", async () => {
    expect((await register(server, '2001:db8:1:2::1')).status).toBe(201);
    expect((await register(server, '2001:db8:1:2:ffff::7')).status).toBe(201);
    expect((await register(server, '2001:db8:1:2:abcd:1:2:3')).status).toBe(429);
    expect((await register(server, '2001:db8:1:3::1')).status).toBe(201);
  });
});
