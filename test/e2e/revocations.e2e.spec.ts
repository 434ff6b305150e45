import { api, newAccount, newDevice, newUser, removeDevice } from '../support/fixtures';
import { startServer, TestServer } from '../support/server';

/** Revoked access tokens stay refused across restarts, in every mode (docs/SECURITY.md). */
describe('revocations survive a restart', () => {
  const servers: TestServer[] = [];
  afterAll(async () => {
    // The restarted process first; the original owns the storage and removes it.
    for (const server of servers.reverse()) await server.stop();
  });

  it('refuses a logged-out token and a removed device’s token after the server restarts; the removed device cannot send', async () => {
    const server = await startServer();
    servers.push(server);
    const loggedOut = await newUser(server);
    const account = await newAccount(server);
    const kept = await newDevice(server, account);
    const removed = await newDevice(server, account);
    const bob = await newUser(server);
    expect((await api(server, 'POST', '/v1/auth/logout', undefined, { token: loggedOut.token })).status).toBe(204);
    expect((await removeDevice(server, kept, removed.deviceId)).status).toBe(204);

    await server.kill();
    const restarted = await server.sibling();
    servers.push(restarted);
    const works = async (token: string) => (await api(restarted, 'GET', '/v1/keys/count', undefined, { token })).status;
    expect(await works(loggedOut.token)).toBe(401);
    expect(await works(removed.token)).toBe(401);
    const send = await api(
      restarted,
      'PUT',
      `/v1/messages/${bob.username}`,
      {
        timestamp: 1,
        messages: [{ destinationDeviceId: bob.deviceId, destinationRegistrationId: bob.keys.registrationId, type: 2, content: 'b3BhcXVl' }],
      },
      { token: removed.token },
    );
    expect(send.status).toBe(401);
    expect(await works(kept.token)).toBe(200);
  });
});
