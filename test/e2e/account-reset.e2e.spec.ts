import {
  ContactTrust,
  generateAccountIdentity,
  generateDeviceKeys,
  MemoryContactStore,
  signDeviceList,
  verifyAuditChain,
} from '@parley/crypto';
import type { AuditLogResponse, CreateDeviceRequest, PreKeyBundleResponse } from '@parley/protocol';
import { api, newDevice, newUser, resetFor, TestAccount, TestDevice } from '../support/fixtures';
import { startServer, TestServer } from '../support/server';
import { socketPool, until } from '../support/sockets';

/**
 * Account reset (docs/SECURITY.md): with every device lost, the password
 * starts a new account identity with one new device. Every old device is
 * gone at once, and nobody is fooled: contacts see the identity change and
 * the account's own log records it.
 */
describe('account reset', () => {
  let server: TestServer;
  const sockets = socketPool(() => server);
  beforeAll(async () => {
    server = await startServer();
  });
  afterEach(sockets.closeAll);
  afterAll(async () => {
    await server?.stop();
  });

  const reset = (token: string, request: unknown) => api(server, 'POST', '/v1/account/reset', request, { token });
  const bundleOf = async (asker: TestDevice, target: TestAccount) =>
    (await api<PreKeyBundleResponse>(server, 'GET', `/v1/keys/${target.username}`, undefined, { token: asker.token })).body;
  const checkWith = (trust: ContactTrust, target: TestAccount, bundle: PreKeyBundleResponse) =>
    trust.checkBundle(target.address, {
      devices: bundle.devices.map(({ deviceId, registrationId, identityKey }) => ({ deviceId, registrationId, identityKey })),
      deviceList: bundle.deviceList,
    });
  const works = async (token: string) => (await api(server, 'GET', '/v1/keys/count', undefined, { token })).status;

  it('replaces the identity and every device with one new device; contacts see identity_changed until they accept', async () => {
    const bob1 = await newUser(server);
    const bob2 = await newDevice(server, bob1.account);
    const alice = await newUser(server);
    const trust = new ContactTrust(new MemoryContactStore());
    expect(await checkWith(trust, bob1.account, await bundleOf(alice, bob1.account))).toMatchObject({ ok: true });
    const socket = await sockets.connect(bob1);

    // What a client with no device left reads to sign the reset list.
    const info = await api(server, 'GET', '/v1/account/reset', undefined, { token: bob1.account.tokens.accessToken });
    expect(info).toMatchObject({ status: 200, body: { currentVersion: 2, nextDeviceId: 3 } });
    const keys = generateDeviceKeys(2);
    const resetting = resetFor(bob1.account, keys);
    const res = await reset(bob1.account.tokens.accessToken, resetting.request);
    expect(res).toMatchObject({ status: 201, body: { deviceId: 3, accessToken: expect.any(String), refreshToken: expect.any(String) } });
    resetting.accepted();

    // The old devices are gone at once: tokens refused, the socket told why.
    expect([await works(bob1.token), await works(bob2.token), await works(res.body.accessToken)]).toEqual([401, 401, 200]);
    await until(() => socket.closing.includes('device_removed'), 10_000, 'closing device_removed');

    const bundle = await bundleOf(alice, bob1.account);
    expect(bundle.deviceList).toEqual(bob1.account.deviceList);
    expect(bundle.deviceList).toMatchObject({ version: 3, devices: [{ deviceId: 3 }] });
    expect(bundle.devices.map((d) => d.deviceId)).toEqual([3]);
    expect(await checkWith(trust, bob1.account, bundle)).toMatchObject({ ok: false, reason: 'identity_changed' });
    await trust.acceptIdentity(bob1.account.address);
    expect(await checkWith(trust, bob1.account, bundle)).toMatchObject({ ok: true });

    const audit = await api<AuditLogResponse>(server, 'GET', '/v1/account/audit', undefined, { token: res.body.accessToken });
    const last = audit.body.entries.at(-1)!;
    expect(last).toMatchObject({ kind: 'account_reset', detail: { deviceId: 3, listVersion: 3, devicesRemoved: 2 } });
    expect(verifyAuditChain(audit.body.entries)).toMatchObject({ ok: true });
  });

  it('also accepts a device token, and the account goes on with the new identity', async () => {
    const carol = await newUser(server);
    const resetting = resetFor(carol.account, generateDeviceKeys(1));
    const res = await reset(carol.token, resetting.request);
    expect(res).toMatchObject({ status: 201, body: { deviceId: 2 } });
    resetting.accepted();
    expect(await works(carol.token)).toBe(401);
    const next = await newDevice(server, carol.account);
    expect(next.deviceId).toBe(3);
  });

  it.each<[string, number, string, (account: TestAccount, request: CreateDeviceRequest, other: TestDevice) => void]>([
    ['a list without a valid signature', 400, 'invalid_signature', (_a, r) => (r.deviceList = { ...r.deviceList, timestamp: 1 })],
    [
      'a list by the current identity (use POST /v1/devices for that)',
      400,
      'invalid_device_list',
      (a, r) => (r.deviceList = signDeviceList(a.identity, r.deviceList)),
    ],
    [
      'a list that keeps an old device beside the new one',
      400,
      'invalid_device_list',
      (a, r) => (r.deviceList = signDeviceList(generateAccountIdentity(), withOld(a, r))),
    ],
    [
      'a list two versions ahead',
      409,
      'stale_device_list',
      (a, r) => (r.deviceList = signDeviceList(generateAccountIdentity(), { ...r.deviceList, version: 3 })),
    ],
    [
      "another account's device identity key",
      409,
      'identity_key_taken',
      (a, r, other) => Object.assign(r, resetFor({ ...a, nextDeviceId: 2 }, other.keys).request),
    ],
  ])('refuses %s (%i %s) and stores nothing', async (_case, status, error, tamper) => {
    const dave = await newUser(server);
    const other = await newUser(server);
    const { request } = resetFor(dave.account, generateDeviceKeys(1));
    tamper(dave.account, request, other);
    expect(await reset(dave.account.tokens.accessToken, request)).toMatchObject({ status, body: { error } });
    // Nothing changed: the old device works, the list is the same, and a good reset gets the same id and version.
    expect(await works(dave.token)).toBe(200);
    expect((await bundleOf(other, dave.account)).deviceList).toEqual(dave.account.deviceList);
    const good = resetFor(dave.account, generateDeviceKeys(1));
    expect(await reset(dave.account.tokens.accessToken, good.request)).toMatchObject({ status: 201, body: { deviceId: 2 } });
  });
});

/** The tampered list with the account's current devices added to it. */
function withOld(account: TestAccount, request: CreateDeviceRequest) {
  return { ...request.deviceList, devices: [...account.deviceList!.devices, ...request.deviceList.devices] };
}
