import { AUDIT_GENESIS_HASH, generateDeviceKeys, verifyAuditChain } from '@parley/crypto';
import type { AuditEntry, AuditLogResponse, TokenPair } from '@parley/protocol';
import { api, newDevice, newUser, PASSWORD, removeDevice, TestDevice } from '../support/fixtures';
import { startServer, TestServer } from '../support/server';
import { socketPool, until } from '../support/sockets';

/**
 * The account's own security log (docs/API.md, "Audit log"): every
 * security event lands in it, its devices hear each new entry, and the
 * hash chain shows where a served history was changed.
 */
describe('audit log', () => {
  let server: TestServer;
  const sockets = socketPool(() => server);
  beforeAll(async () => {
    server = await startServer();
  });
  afterEach(sockets.closeAll);
  afterAll(async () => {
    await server?.stop();
  });

  const auditOf = async (device: TestDevice, after = 0) =>
    (await api<AuditLogResponse>(server, 'GET', `/v1/account/audit?after=${after}`, undefined, { token: device.token })).body;
  const kinds = (entries: AuditEntry[]) => entries.map((e) => e.kind);

  it('records logins, failed logins, device changes, device-login challenges, key uploads and refresh-token reuse, in a chain that verifies', async () => {
    const alice = await newUser(server);
    await api(server, 'POST', '/v1/auth/login', { username: alice.username, password: 'not the password' });
    const phone = await newDevice(server, alice.account);
    await api(server, 'PUT', '/v1/keys', { preKeys: [] }, { token: phone.token });
    const { challenge } = (await api(server, 'POST', '/v1/auth/challenge', { username: alice.username, deviceId: 1 })).body;
    expect(challenge).toEqual(expect.any(String));
    const first = await api<TokenPair>(server, 'POST', '/v1/auth/refresh', { refreshToken: phone.tokens.refreshToken });
    expect(first.status).toBe(200);
    expect((await api(server, 'POST', '/v1/auth/refresh', { refreshToken: phone.tokens.refreshToken })).status).toBe(401);
    expect((await removeDevice(server, alice, phone.deviceId)).status).toBe(204);

    const { entries, more } = await auditOf(alice);
    expect(more).toBe(false);
    expect(kinds(entries)).toEqual([
      'login',
      'device_added',
      'login_failed',
      'device_added',
      'keys_uploaded',
      'device_challenge',
      'refresh_reuse',
      'device_removed',
    ]);
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(entries[1].detail).toMatchObject({ deviceId: 1, listVersion: 1 });
    expect(entries[2].detail).toEqual({ network: expect.stringMatching(/\/(24|48)$/) });
    expect(entries[4].detail).toMatchObject({ deviceId: 2, preKeys: 0, pqPreKeys: 0 });
    expect(entries[7].detail).toMatchObject({ deviceId: 2, listVersion: 3, by: 1 });
    expect(verifyAuditChain(entries)).toEqual({ ok: true, head: entries[7].hash });

    // Paging continues the chain from the last entry a device has checked.
    const later = await auditOf(alice, 4);
    expect(later.entries.map((e) => e.seq)).toEqual([5, 6, 7, 8]);
    expect(verifyAuditChain(later.entries, entries[3].hash, 4).ok).toBe(true);
    expect(verifyAuditChain([], AUDIT_GENESIS_HASH)).toEqual({ ok: true, head: AUDIT_GENESIS_HASH });
  });

  it('shows where a server-edited or shortened history breaks the chain', async () => {
    const bob = await newUser(server);
    await newDevice(server, bob.account);
    const { entries } = await auditOf(bob);
    const edited = entries.map((e) => (e.seq === 2 ? { ...e, detail: { ...e.detail, deviceId: 9 } } : e));
    expect(verifyAuditChain(edited)).toMatchObject({ ok: false, brokenAt: 2 });
    expect(verifyAuditChain([entries[0], ...entries.slice(2)])).toMatchObject({ ok: false, brokenAt: 3 });
  });

  it('tells every connected device of the account about a new entry, and nobody else', async () => {
    const carol = await newUser(server);
    const stranger = await newUser(server);
    const heard: AuditEntry[] = [];
    const strangerHeard: AuditEntry[] = [];
    (await sockets.connect(carol)).socket.on('audit', (entry) => heard.push(entry));
    (await sockets.connect(stranger)).socket.on('audit', (entry) => strangerHeard.push(entry));
    await newDevice(server, carol.account, { keys: generateDeviceKeys(1) });
    await until(() => heard.some((e) => e.kind === 'device_added'), 10_000, 'the audit event');
    expect(heard.find((e) => e.kind === 'device_added')!.detail).toMatchObject({ deviceId: 2, listVersion: 2 });
    expect(strangerHeard).toEqual([]);
  });

  it('keeps each account’s log its own and refuses a bad `after` with 400', async () => {
    const dave = await newUser(server);
    const erin = await newUser(server);
    await api(server, 'POST', '/v1/auth/login', { username: erin.username, password: PASSWORD });
    expect(kinds((await auditOf(dave)).entries)).toEqual(['login', 'device_added']);
    expect(kinds((await auditOf(erin)).entries)).toEqual(['login', 'device_added', 'login']);
    for (const after of ['-1', 'abc', '1.5', '99999999999'])
      expect((await api(server, 'GET', `/v1/account/audit?after=${after}`, undefined, { token: dave.token })).status).toBe(400);
    expect((await api(server, 'GET', '/v1/account/audit', undefined, { token: dave.account.tokens.accessToken })).status).toBe(403);
  });

  it("records a device's key log alarm for the account's other devices; bad reports store nothing; throttled per device", async () => {
    const alice = await newUser(server);
    const phone = await newDevice(server, alice.account);
    const report = (body: unknown, from = alice) => api(server, 'POST', '/v1/account/audit/alarms', body, { token: from.token });
    const before = (await auditOf(alice)).entries.length;
    for (const bad of [
      {},
      { reason: 'bored', message: 'x' },
      { reason: 'key_log_fork' },
      { reason: 'key_log_fork', message: 'x'.repeat(501) },
    ]) {
      expect(await report(bad)).toMatchObject({ status: 400, body: { error: 'validation_failed' } });
    }
    expect((await auditOf(alice)).entries).toHaveLength(before);

    expect((await report({ reason: 'key_log_unknown_leaf', message: 'leaf 7 records a list none of our devices signed' })).status).toBe(
      204,
    );
    const seen = (await auditOf(phone)).entries.at(-1);
    expect(seen).toMatchObject({
      kind: 'key_log_alarm',
      detail: { deviceId: alice.deviceId, reason: 'key_log_unknown_leaf', message: 'leaf 7 records a list none of our devices signed' },
    });
    // keyLogAlarmReport: 10 an hour per device.
    for (let i = 1; i < 10; i++) expect((await report({ reason: 'key_log_fork', message: `fork ${i}` })).status).toBe(204);
    expect(await report({ reason: 'key_log_fork', message: 'one too many' })).toMatchObject({
      status: 429,
      body: { error: 'rate_limited' },
    });
    expect((await report({ reason: 'key_log_fork', message: 'from the phone' }, phone)).status).toBe(204);
  });
});
