import { toBase64 } from '@parley/crypto';
import { DEVICE_LOGIN_CONTEXT, TokenPair } from '@parley/protocol';
import { api, deviceLogin, newDevice, newUser, TestDevice } from '../support/fixtures';
import { Client } from 'pg';
import { startServer, TestServer, usingRealServices } from '../support/server';

describe('refresh rotation and logout (API.md section 1)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  const works = async (accessToken: string) => (await api(server, 'GET', '/v1/keys/count', undefined, { token: accessToken })).status;
  const refresh = (refreshToken: string) => api<TokenPair>(server, 'POST', '/v1/auth/refresh', { refreshToken });

  /** A second session of the same device, through challenge and signature. */
  const secondSession = async (device: TestDevice) => (await deviceLogin(server, device)).body;

  it('exchanges a refresh token for a new pair, again and again', async () => {
    const device = await newUser(server);
    const next = await refresh(device.tokens.refreshToken);
    expect(next.status).toBe(200);
    expect(next.body).toEqual({ accessToken: expect.any(String), refreshToken: expect.any(String), expiresIn: expect.any(Number) });
    expect(next.body.refreshToken).not.toBe(device.tokens.refreshToken);
    expect(await works(next.body.accessToken)).toBe(200);
    // Still scoped to the device.
    expect((await api(server, 'GET', '/v1/devices', undefined, { token: next.body.accessToken })).body.devices).toHaveLength(1);

    const third = await refresh(next.body.refreshToken);
    expect(third.status).toBe(200);
    expect(await works(third.body.accessToken)).toBe(200);
  });

  it("revokes the device's sessions when a spent refresh token is presented again", async () => {
    const device = await newUser(server);
    const otherSession = await secondSession(device);
    const sibling = await newDevice(server, device.account);
    const rotated = (await refresh(device.tokens.refreshToken)).body;
    expect(await works(rotated.accessToken)).toBe(200);

    const reuse = await refresh(device.tokens.refreshToken);
    expect(reuse.status).toBe(401);
    expect((reuse.body as unknown as { error: string }).error).toBe('unauthorized');
    // The thief's and the owner's current tokens of this device stop working alike.
    expect(await works(rotated.accessToken)).toBe(401);
    expect((await refresh(rotated.refreshToken)).status).toBe(401);
    expect(await works(otherSession.accessToken)).toBe(401);
    expect((await refresh(otherSession.refreshToken)).status).toBe(401);
    // Another device of the account is not affected; the device can log in again with its key.
    expect(await works(sibling.token)).toBe(200);
    expect(await works((await secondSession(device)).accessToken)).toBe(200);
  });

  // Ages the challenge in the server's own database, so only where that is reachable (pass 2).
  (usingRealServices() ? it : it.skip)('refuses an expired device-login challenge with 401', async () => {
    const device = await newUser(server);
    const { challenge } = (await api(server, 'POST', '/v1/auth/challenge', { username: device.username, deviceId: device.deviceId })).body;
    const db = new Client({ connectionString: server.env.DATABASE_URL });
    await db.connect();
    try {
      await db.query(`UPDATE auth_challenges SET expires_at = now() - interval '1 second' WHERE challenge = $1`, [
        Buffer.from(challenge, 'base64'),
      ]);
    } finally {
      await db.end();
    }
    const signature = toBase64(
      device.keys.identity.privateKey.sign(
        new Uint8Array(Buffer.concat([Buffer.from(DEVICE_LOGIN_CONTEXT), Buffer.from(challenge, 'base64')])),
      ),
    );
    const res = await api(server, 'POST', '/v1/auth/device', {
      username: device.username,
      deviceId: device.deviceId,
      challenge,
      signature,
    });
    expect(res.status).toBe(401);
  });

  it('answers 401 for malformed, unknown and forged refresh tokens', async () => {
    const device = await newUser(server);
    const [sessionId, generation] = device.tokens.refreshToken.split('.');
    for (const refreshToken of ['', 'garbage', 'a.b.c', `${sessionId}.${generation}.forged`, `00000000-0000-0000-0000-000000000000.0.x`]) {
      const res = await refresh(refreshToken);
      expect({ refreshToken, status: res.status }).toEqual({ refreshToken, status: 401 });
    }
  });

  it('does not revoke anything for a forged secret naming a live session (its id is readable in any access token)', async () => {
    const device = await newUser(server);
    const [sessionId, generation] = device.tokens.refreshToken.split('.');
    for (const forged of [`${sessionId}.${generation}.forged`, `${sessionId}.${Number(generation) - 1}.forged`, `${sessionId}.7.forged`]) {
      expect((await refresh(forged)).status).toBe(401);
    }
    expect(await works(device.token)).toBe(200);
    expect((await refresh(device.tokens.refreshToken)).status).toBe(200);
  });

  it('logout ends that session at once: access and refresh tokens stop working', async () => {
    const device = await newUser(server);
    const otherSession = await secondSession(device);
    const res = await api(server, 'POST', '/v1/auth/logout', undefined, { token: device.token });
    expect(res.status).toBe(204);
    expect(await works(device.token)).toBe(401);
    expect((await refresh(device.tokens.refreshToken)).status).toBe(401);
    expect((await api(server, 'POST', '/v1/auth/logout', undefined, { token: device.token })).status).toBe(401);
    // Only that session: the device's other login still works.
    expect(await works(otherSession.accessToken)).toBe(200);
  });

  it('logout works with an account-scoped token too', async () => {
    const device = await newUser(server);
    const accountToken = device.account.tokens;
    expect((await api(server, 'POST', '/v1/auth/logout', undefined, { token: accountToken.accessToken })).status).toBe(204);
    expect((await api(server, 'POST', '/v1/devices', {}, { token: accountToken.accessToken })).status).toBe(401);
    expect((await refresh(accountToken.refreshToken)).status).toBe(401);
    expect(await works(device.token)).toBe(200);
  });

  it('refreshes an account-scoped session into another account-scoped session', async () => {
    const device = await newUser(server);
    const next = await refresh(device.account.tokens.refreshToken);
    expect(next.status).toBe(200);
    const res = await api(server, 'GET', '/v1/devices', undefined, { token: next.body.accessToken });
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('device_token_required');
  });
});
