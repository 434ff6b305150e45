import { Client } from 'pg';
import {
  ContactTrust,
  deviceListEntry,
  generateAccountIdentity,
  generateDeviceKeys,
  MemoryContactStore,
  signDeviceList,
  signListWithDevice,
} from '@parley/crypto';
import type { PreKeyBundleResponse, SignedDeviceList } from '@parley/protocol';
import { api, newAccount, newDevice, newUser, registrationFor, removalFor, TestAccount, TestDevice } from '../support/fixtures';
import { startServer, TestServer, usingRealServices } from '../support/server';

/**
 * Signed device lists (docs/SECURITY.md): the server adds or removes a
 * device only with the next list signed by the account identity, and a
 * sender's client believes no device its contact's identity did not sign,
 * whatever the server serves.
 */
describe('signed device lists', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  const register = (account: TestAccount, request: unknown) =>
    api(server, 'POST', '/v1/devices', request, { token: account.tokens.accessToken });
  const bundleOf = async (asker: TestDevice, target: TestDevice | TestAccount) =>
    (await api<PreKeyBundleResponse>(server, 'GET', `/v1/keys/${target.username}`, undefined, { token: asker.token })).body;
  const listedDevices = (bundle: PreKeyBundleResponse) =>
    bundle.devices.map(({ deviceId, registrationId, identityKey }) => ({ deviceId, registrationId, identityKey }));

  describe('the server accepts exactly the signed change, and stores nothing otherwise', () => {
    it('serves the list as signed in every bundle, and a sender checks every device against it', async () => {
      const bob = await newUser(server);
      await newDevice(server, bob.account);
      const alice = await newUser(server);
      const bundle = await bundleOf(alice, bob);
      expect(bundle.deviceList).toEqual(bob.account.deviceList);
      const trust = new ContactTrust(new MemoryContactStore());
      const check = await trust.checkBundle(bob.account.address, { devices: listedDevices(bundle), deviceList: bundle.deviceList });
      expect(check).toMatchObject({ ok: true, firstUse: true });
      const listed = await api(server, 'GET', '/v1/devices', undefined, { token: bob.token });
      expect(listed.body).toMatchObject({ deviceList: bob.account.deviceList, nextDeviceId: 3 });
    });

    const other = generateAccountIdentity();
    it.each<[string, number, string, (account: TestAccount, list: SignedDeviceList) => SignedDeviceList]>([
      ['a list without a valid signature', 400, 'invalid_signature', (_a, list) => ({ ...list, timestamp: list.timestamp + 1 })],
      [
        'a list signed by a key other than the one it names',
        400,
        'invalid_signature',
        (_a, list) => ({ ...list, signature: signDeviceList(other, list).signature }),
      ],
      ['a list naming another account', 400, 'invalid_device_list', (a, list) => resign(a, { ...list, address: `mallory@localhost` })],
      ['a list two versions ahead', 409, 'stale_device_list', (a, list) => resign(a, { ...list, version: list.version + 1 })],
      ['a replayed older version', 409, 'stale_device_list', (a, list) => resign(a, { ...list, version: list.version - 1 })],
      [
        'a list that leaves out an existing device',
        400,
        'invalid_device_list',
        (a, list) => resign(a, { ...list, devices: list.devices.slice(1) }),
      ],
      [
        'a list with another registration id for the new device',
        400,
        'invalid_device_list',
        (a, list) =>
          resign(a, {
            ...list,
            devices: list.devices.map((d) => (d.deviceId === 2 ? { ...d, registrationId: d.registrationId === 1 ? 2 : 1 } : d)),
          }),
      ],
      ['a list by another account identity than the account has', 400, 'invalid_device_list', (_a, list) => signDeviceList(other, list)],
    ])('refuses %s (%i %s)', async (_case, status, error, tamper) => {
      const first = await newUser(server);
      const account = first.account;
      const { request } = registrationFor(account, generateDeviceKeys(1));
      request.deviceList = tamper(account, request.deviceList);
      expect(await register(account, request)).toMatchObject({ status, body: { error } });
      // Nothing stored: the next good registration is device 2 with list version 2.
      const second = await newDevice(server, account);
      expect(second.deviceId).toBe(2);
      expect((await bundleOf(first, account)).deviceList?.version).toBe(2);
    });

    it('refuses a registration without a list, and a password alone adds no device', async () => {
      const account = await newAccount(server);
      const { request } = registrationFor(account, generateDeviceKeys(1));
      const { deviceList: _omitted, ...withoutList } = request;
      expect(await register(account, withoutList)).toMatchObject({ status: 400, body: { error: 'validation_failed' } });
    });

    it("refuses another device's identity key copied with its signed prekeys from a public bundle (409 identity_key_taken)", async () => {
      const victim = await newUser(server);
      const mallory = await newUser(server);
      // Everything here is public and validly signed by the victim's identity key.
      const copied = (await bundleOf(mallory, victim)).devices[0];
      const entry = { deviceId: 2, registrationId: 4242, identityKey: copied.identityKey };
      const request = {
        name: 'copy',
        registrationId: 4242,
        identityKey: copied.identityKey,
        signedPreKey: copied.signedPreKey,
        pqLastResortPreKey: copied.pqPreKey,
        deviceList: signListWithDevice(mallory.account.identity, mallory.account.address, mallory.account.deviceList, entry),
      };
      expect(await register(mallory.account, request)).toMatchObject({ status: 409, body: { error: 'identity_key_taken' } });
      expect((await newDevice(server, mallory.account)).deviceId).toBe(2);
    });

    it('removes a device only with the signed list without it', async () => {
      const first = await newUser(server);
      const second = await newDevice(server, first.account);
      const unsigned = {
        deviceList: { ...removalFor(first.account, second.deviceId).request.deviceList, signature: first.account.deviceList!.signature },
      };
      expect(await api(server, 'DELETE', `/v1/devices/${second.deviceId}`, unsigned, { token: first.token })).toMatchObject({
        status: 400,
        body: { error: 'invalid_signature' },
      });
      expect((await api(server, 'DELETE', `/v1/devices/${second.deviceId}`, undefined, { token: first.token })).status).toBe(400);
      expect((await api(server, 'GET', '/v1/keys/count', undefined, { token: second.token })).status).toBe(200);
      const removal = removalFor(first.account, second.deviceId);
      expect((await api(server, 'DELETE', `/v1/devices/${second.deviceId}`, removal.request, { token: first.token })).status).toBe(204);
      removal.accepted();
      expect((await bundleOf(first, first.account)).deviceList).toEqual(first.account.deviceList);
    });
  });

  describe('linking slots relay one sealed message, once', () => {
    it('opens, fills and collects a slot once; replays and other accounts find nothing', async () => {
      const bob = await newUser(server);
      const mallory = await newUser(server);
      const slot = await api(server, 'POST', '/v1/provisioning', undefined, { token: bob.account.tokens.accessToken });
      expect(slot).toMatchObject({ status: 201, body: { slotId: expect.any(String), expiresIn: 600 } });
      const path = `/v1/provisioning/${slot.body.slotId}`;
      const collect = () => api(server, 'GET', path, undefined, { token: bob.account.tokens.accessToken });
      expect((await collect()).status).toBe(204);
      expect((await api(server, 'PUT', path, { message: 'c2VhbGVk' }, { token: mallory.token })).status).toBe(404);
      expect((await api(server, 'PUT', path, { message: 'c2VhbGVk' }, { token: bob.token })).status).toBe(204);
      expect(await api(server, 'PUT', path, { message: 'b3RoZXI=' }, { token: bob.token })).toMatchObject({
        status: 409,
        body: { error: 'slot_used' },
      });
      expect((await api(server, 'GET', path, undefined, { token: mallory.account.tokens.accessToken })).status).toBe(404);
      expect(await collect()).toMatchObject({ status: 200, body: { message: 'c2VhbGVk' } });
      expect((await collect()).status).toBe(404);
      expect((await api(server, 'PUT', path, { message: 'c2VhbGVk' }, { token: bob.token })).status).toBe(404);
    });
  });

  /**
   * The test plays a malicious server: it changes what the server answers
   * (in transit here; in the database below) and checks that a sender's
   * client refuses to encrypt to any device bob's identity did not sign.
   */
  describe('a malicious server cannot slip a device past the sender', () => {
    let alice: TestDevice;
    let bob: TestDevice;
    let trust: ContactTrust;
    let genuine: PreKeyBundleResponse;
    let firstList: SignedDeviceList;
    beforeAll(async () => {
      alice = await newUser(server);
      bob = await newUser(server);
      firstList = bob.account.deviceList!;
      await newDevice(server, bob.account);
      trust = new ContactTrust(new MemoryContactStore());
      genuine = await bundleOf(alice, bob);
      expect(
        await trust.checkBundle(bob.account.address, { devices: listedDevices(genuine), deviceList: genuine.deviceList }),
      ).toMatchObject({
        ok: true,
      });
    });

    const rogue = () => deviceListEntry(generateDeviceKeys(0), 9);
    const mallory = generateAccountIdentity();
    it.each<[string, string, () => { devices: ReturnType<typeof listedDevices>; deviceList: SignedDeviceList | null }]>([
      [
        'adds a device bob never signed',
        'device_not_listed',
        () => ({ devices: [...listedDevices(genuine), rogue()], deviceList: genuine.deviceList }),
      ],
      [
        'adds the device to the list without bob’s signature',
        'bad_signature',
        () => {
          const device = rogue();
          return {
            devices: [...listedDevices(genuine), device],
            deviceList: { ...genuine.deviceList!, devices: [...genuine.deviceList!.devices, device] },
          };
        },
      ],
      [
        'swaps a device’s identity key',
        'device_key_mismatch',
        () => ({
          devices: listedDevices(genuine).map((d, i) => (i === 0 ? { ...d, identityKey: rogue().identityKey } : d)),
          deviceList: genuine.deviceList,
        }),
      ],
      [
        'serves bob’s list with an older version',
        'version_rollback',
        () => ({ devices: listedDevices(genuine).slice(0, 1), deviceList: firstList }),
      ],
      [
        'replaces bob’s account identity with its own',
        'identity_changed',
        () => {
          const device = rogue();
          const list = signDeviceList(mallory, {
            ...genuine.deviceList!,
            version: genuine.deviceList!.version + 1,
            devices: [...genuine.deviceList!.devices, device],
          });
          return { devices: [...listedDevices(genuine), device], deviceList: list };
        },
      ],
      ['serves no list at all', 'missing_list', () => ({ devices: listedDevices(genuine), deviceList: null })],
    ])('the server %s: alice’s client refuses (%s)', async (_case, reason, lie) => {
      expect(await trust.checkBundle(bob.account.address, lie())).toMatchObject({ ok: false, reason });
    });

    const describeOnPostgres = usingRealServices() ? it : it.skip;
    describeOnPostgres(
      'a device row inserted into the database is served but refused by the sender, and the server cannot make alice address it',
      async () => {
        const db = new Client({ connectionString: server.env.DATABASE_URL });
        await db.connect();
        try {
          const keys = generateDeviceKeys(1);
          const row = (
            await db.query('SELECT * FROM devices WHERE account_id = (SELECT id FROM accounts WHERE username = $1) AND device_id = 1', [
              bob.username,
            ])
          ).rows[0];
          await db.query(
            `INSERT INTO devices (account_id, device_id, name, registration_id, identity_key, signed_prekey_id, signed_prekey, signed_prekey_signature,
                                pq_last_resort_id, pq_last_resort_key, pq_last_resort_signature)
           VALUES ($1, 9, 'rogue', $2, $3, $4, $5, $6, $7, $8, $9)`,
            [
              row.account_id,
              keys.registrationId,
              Buffer.from(keys.identity.publicKey.serialize()),
              row.signed_prekey_id,
              row.signed_prekey,
              row.signed_prekey_signature,
              row.pq_last_resort_id,
              row.pq_last_resort_key,
              row.pq_last_resort_signature,
            ],
          );
        } finally {
          await db.end();
        }
        const served = await bundleOf(alice, bob);
        expect(served.devices.map((d) => d.deviceId)).toEqual([1, 2, 9]);
        expect(
          await trust.checkBundle(bob.account.address, { devices: listedDevices(served), deviceList: served.deviceList }),
        ).toMatchObject({
          ok: false,
          reason: 'device_not_listed',
        });
      },
    );
  });
});

/** Re-signs an edited list with the account's own identity: a list the account could have signed, but not for this change. */
function resign(account: TestAccount, list: SignedDeviceList): SignedDeviceList {
  return signDeviceList(account.identity, list);
}
