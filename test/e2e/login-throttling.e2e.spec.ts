import { api, deviceLogin, newAccount, newUser, PASSWORD, uniqueUsername } from '../support/fixtures';
import { startServer, TestServer } from '../support/server';

/**
 * Password guessing is slowed down per account and client address, and
 * nobody else's guessing keeps the owner out (docs/SECURITY.md, "Password
 * guessing"). The tests connect from loopback, which the servers here trust
 * as a proxy (TRUST_PROXY=loopback), so X-Forwarded-For plays the client
 * addresses of attacker and owner.
 */
const login = (server: TestServer, username: string, password: string, from: string) =>
  api(server, 'POST', '/v1/auth/login', { username, password }, { from });

const retryAfter = (res: { headers: Headers }) => Number(res.headers.get('retry-after'));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('login throttling (API.md section 1)', () => {
  let server: TestServer;
  beforeAll(async () => {
    // The account-wide backoff starts after 8 failures and then waits a minute, so that it is still on when the test looks.
    server = await startServer({ TRUST_PROXY: 'loopback', LOGIN_BACKOFF: 'perAccount=8/60/900' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('does not keep the owner at another address out, however often an attacker fails', async () => {
    const owner = await newAccount(server);
    for (let i = 0; i < 12; i++) await login(server, owner.username, `guess ${i}`, '203.0.113.1');
    expect((await login(server, owner.username, PASSWORD, '198.51.100.1')).status).toBe(200);
  });

  it('makes the attacker wait, before its password is checked, a Retry-After that doubles', async () => {
    const owner = await newAccount(server);
    const attacker = (password = 'a guess') => login(server, owner.username, password, '203.0.113.2');
    for (let i = 0; i < 6; i++) expect((await attacker()).status).toBe(401);
    const waits: number[] = [];
    for (let round = 0; round < 3; round++) {
      const refused = await attacker(PASSWORD);
      expect(refused.status).toBe(429);
      expect(refused.body.error).toBe('rate_limited');
      waits.push(retryAfter(refused));
      await sleep(retryAfter(refused) * 1000);
      expect((await attacker()).status).toBe(401);
    }
    expect(waits).toEqual([1, 2, 4]);
  });

  it('answers an unknown username the same way, so a 429 does not reveal whether an account exists', async () => {
    const username = uniqueUsername();
    for (let i = 0; i < 6; i++) expect((await login(server, username, 'a guess', '203.0.113.3')).status).toBe(401);
    expect((await login(server, username, 'a guess', '203.0.113.3')).status).toBe(429);
  });

  it('forgives an address its failures once it logs in', async () => {
    const owner = await newAccount(server);
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 5; i++) expect((await login(server, owner.username, 'a typo', '198.51.100.2')).status).toBe(401);
      expect((await login(server, owner.username, PASSWORD, '198.51.100.2')).status).toBe(200);
    }
  });

  it('slows an attacker rotating addresses down account-wide, but not at an address the owner logged in from', async () => {
    const owner = await newAccount(server);
    expect((await login(server, owner.username, PASSWORD, '198.51.100.3')).status).toBe(200);
    for (let i = 1; i <= 12; i++) await login(server, owner.username, 'a guess', `192.0.2.${i}`);
    const stranger = await login(server, owner.username, PASSWORD, '192.0.2.99');
    expect(stranger.status).toBe(429);
    expect(retryAfter(stranger)).toBeGreaterThan(1);
    expect((await login(server, owner.username, PASSWORD, '198.51.100.3')).status).toBe(200);
  });

  it('lets a device log in with its key while its password is under attack', async () => {
    const owner = await newUser(server);
    for (let i = 1; i <= 12; i++) await login(server, owner.username, 'a guess', `192.0.2.${100 + i}`);
    expect((await login(server, owner.username, PASSWORD, '203.0.113.4')).status).toBe(429);
    const session = await deviceLogin(server, owner);
    expect(session.status).toBe(200);
    expect(session.body.accessToken).toEqual(expect.any(String));
  });

  it('counts an IPv6 client’s whole /64 as one address', async () => {
    const owner = await newAccount(server);
    for (let i = 1; i <= 6; i++) expect((await login(server, owner.username, 'a guess', `2001:db8:1:2::${i}`)).status).toBe(401);
    expect((await login(server, owner.username, 'a guess', '2001:db8:1:2:ffff::7')).status).toBe(429);
    expect((await login(server, owner.username, PASSWORD, '2001:db8:1:3::1')).status).toBe(200);
  });
});

describe('login failures per client address, across accounts', () => {
  const guessEach = async (server: TestServer, addresses: string[]) => {
    const statuses: number[] = [];
    for (const address of addresses) statuses.push((await login(server, uniqueUsername(), 'a guess', address)).status);
    return statuses;
  };

  it('counts an IPv6 client’s whole /64 as one address', async () => {
    const server = await startServer({ TRUST_PROXY: 'loopback', RATE_LIMITS: 'loginFailuresPerIp=3/600' });
    try {
      expect(await guessEach(server, ['2001:db8:5::1', '2001:db8:5::2', '2001:db8:5::3', '2001:db8:5::4'])).toEqual([401, 401, 401, 429]);
      expect(await guessEach(server, ['2001:db8:6::1'])).toEqual([401]);
    } finally {
      await server.stop();
    }
  });

  it('ignores X-Forwarded-For from a client that is not a configured proxy', async () => {
    // Not loopback: the test's own connection is a client, whatever header it sends.
    const server = await startServer({ TRUST_PROXY: '192.0.2.200', RATE_LIMITS: 'loginFailuresPerIp=3/600' });
    try {
      expect(await guessEach(server, ['203.0.113.11', '203.0.113.12', '203.0.113.13', '203.0.113.14'])).toEqual([401, 401, 401, 429]);
    } finally {
      await server.stop();
    }
  });
});
