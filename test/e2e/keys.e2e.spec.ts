import { IdentityKeyPair } from '@signalapp/libsignal-client';
import {
  generateKyberPreKey,
  generateKyberPreKeys,
  generatePreKeys,
  generateSignedPreKey,
  publicKyberPreKey,
  publicPreKey,
  publicSignedPreKey,
  toBase64,
} from '@parley/crypto';
import type { DeviceBundle, PreKeyBundleResponse } from '@parley/protocol';
import { api, newAccount, newDevice, newUser, TestDevice } from '../support/fixtures';
import { startServer, TestServer } from '../support/server';

describe('prekey directory (API.md section 2)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  const count = async (device: TestDevice) => (await api(server, 'GET', '/v1/keys/count', undefined, { token: device.token })).body;
  const upload = (device: TestDevice, body: unknown) => api(server, 'PUT', '/v1/keys', body, { token: device.token });
  const fetchBundles = (requester: TestDevice, path: string) =>
    api<PreKeyBundleResponse>(server, 'GET', `/v1/keys/${path}`, undefined, { token: requester.token });

  describe('PUT /v1/keys and GET /v1/keys/count', () => {
    it('stores more one-time keys (204) and counts them', async () => {
      const device = await newUser(server, { oneTimeKeys: 2 });
      expect(await count(device)).toEqual({ preKeys: 2, pqPreKeys: 2 });
      const res = await upload(device, {
        preKeys: generatePreKeys(100, 3).map(publicPreKey),
        pqPreKeys: generateKyberPreKeys(device.keys.identity, 100, 4).map(publicKyberPreKey),
      });
      expect(res.status).toBe(204);
      expect(await count(device)).toEqual({ preKeys: 5, pqPreKeys: 6 });
    });

    it('replaces the signed prekey and the last-resort Kyber key', async () => {
      const device = await newUser(server, { oneTimeKeys: 0 });
      const peer = await newUser(server);
      const signed = publicSignedPreKey(generateSignedPreKey(device.keys.identity, 7));
      const lastResort = publicKyberPreKey(generateKyberPreKey(device.keys.identity, 8));
      expect((await upload(device, { signedPreKey: signed, pqLastResortPreKey: lastResort })).status).toBe(204);
      const [bundle] = (await fetchBundles(peer, device.username)).body.devices;
      expect(bundle.signedPreKey).toEqual(signed);
      expect(bundle.pqPreKey).toEqual(lastResort);
    });

    it('caps stored one-time keys at 500 of each kind: an upload beyond it is 413 and stores nothing', async () => {
      const device = await newUser(server, { oneTimeKeys: 0 });
      // Ids from 2001 on, clear of the registration's last-resort and signed prekey ids.
      for (let start = 2001; start <= 2401; start += 100) {
        const res = await upload(device, {
          preKeys: generatePreKeys(start, 100).map(publicPreKey),
          pqPreKeys: generateKyberPreKeys(device.keys.identity, start, 100).map(publicKyberPreKey),
        });
        expect(res.status).toBe(204);
      }
      expect(await count(device)).toEqual({ preKeys: 500, pqPreKeys: 500 });
      const beyond = await upload(device, {
        preKeys: generatePreKeys(3001, 1).map(publicPreKey),
        pqPreKeys: generateKyberPreKeys(device.keys.identity, 3001, 1).map(publicKyberPreKey),
      });
      expect(beyond).toMatchObject({ status: 413, body: { error: 'too_many_keys', maxStored: 500 } });
      expect(await count(device)).toEqual({ preKeys: 500, pqPreKeys: 500 });
    });

    it('accepts an empty upload', async () => {
      const device = await newUser(server);
      expect((await upload(device, {})).status).toBe(204);
    });

    it('answers 409 duplicate_key_id for a key id already stored, and stores nothing of the request', async () => {
      const device = await newUser(server, { oneTimeKeys: 3 });
      const peer = await newUser(server);
      const res = await upload(device, {
        signedPreKey: publicSignedPreKey(generateSignedPreKey(device.keys.identity, 9)),
        preKeys: [...generatePreKeys(50, 2), ...generatePreKeys(2, 1)].map(publicPreKey), // id 2 is stored already
        pqPreKeys: generateKyberPreKeys(device.keys.identity, 50, 2).map(publicKyberPreKey),
      });
      expect(res.status).toBe(409);
      expect(res.body.error).toBe('duplicate_key_id');
      expect(await count(device)).toEqual({ preKeys: 3, pqPreKeys: 3 });
      const [bundle] = (await fetchBundles(peer, device.username)).body.devices;
      expect(bundle.signedPreKey.keyId).toBe(1);
    });

    it('answers 409 duplicate_key_id for a Kyber key id already stored', async () => {
      const device = await newUser(server, { oneTimeKeys: 3 });
      const res = await upload(device, { pqPreKeys: generateKyberPreKeys(device.keys.identity, 3, 1).map(publicKyberPreKey) });
      expect(res.status).toBe(409);
      expect(await count(device)).toEqual({ preKeys: 3, pqPreKeys: 3 });
    });

    it('answers 409 duplicate_key_id when one-time Kyber keys and the last-resort key would share an id', async () => {
      const device = await newUser(server, { oneTimeKeys: 2 }); // last resort: id 1; one-time Kyber: ids 2 and 3
      const peer = await newUser(server);
      const oneTime = await upload(device, { pqPreKeys: [publicKyberPreKey(generateKyberPreKey(device.keys.identity, 1))] });
      expect(oneTime.status).toBe(409);
      expect(oneTime.body.error).toBe('duplicate_key_id');
      const lastResort = await upload(device, { pqLastResortPreKey: publicKyberPreKey(generateKyberPreKey(device.keys.identity, 2)) });
      expect(lastResort.status).toBe(409);
      expect(await count(device)).toEqual({ preKeys: 2, pqPreKeys: 2 });
      expect((await fetchBundles(peer, `${device.username}/1`)).body.devices[0].pqPreKey.keyId).toBe(2);
      // A fresh id for either is fine.
      expect((await upload(device, { pqLastResortPreKey: publicKyberPreKey(generateKyberPreKey(device.keys.identity, 9)) })).status).toBe(
        204,
      );
      expect((await upload(device, { pqPreKeys: [publicKyberPreKey(generateKyberPreKey(device.keys.identity, 1))] })).status).toBe(204);
    });

    it('answers 400 invalid_signature for a key signed by another identity, and stores nothing', async () => {
      const device = await newUser(server, { oneTimeKeys: 1 });
      const other = IdentityKeyPair.generate();
      const res = await upload(device, {
        preKeys: generatePreKeys(60, 5).map(publicPreKey),
        pqPreKeys: [...generateKyberPreKeys(device.keys.identity, 60, 2), generateKyberPreKey(other, 62)].map(publicKyberPreKey),
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_signature');
      expect(await count(device)).toEqual({ preKeys: 1, pqPreKeys: 1 });

      const badSigned = await upload(device, {
        signedPreKey: publicSignedPreKey(generateSignedPreKey(other, 3)),
        preKeys: generatePreKeys(70, 1).map(publicPreKey),
      });
      expect(badSigned.status).toBe(400);
      expect(badSigned.body.error).toBe('invalid_signature');
      expect(await count(device)).toEqual({ preKeys: 1, pqPreKeys: 1 });
    });

    it('answers 400 invalid_key for a key that does not decode, and stores nothing', async () => {
      const device = await newUser(server, { oneTimeKeys: 1 });
      const keys = generatePreKeys(80, 2).map(publicPreKey);
      keys[1].publicKey = toBase64(new Uint8Array(33)); // right length, wrong type byte
      const res = await upload(device, { preKeys: keys });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_key');
      expect(await count(device)).toEqual({ preKeys: 1, pqPreKeys: 1 });
    });

    it('answers 413 too_many_keys for more than 100 keys in one list', async () => {
      const device = await newUser(server, { oneTimeKeys: 0 });
      const res = await upload(device, { preKeys: generatePreKeys(1, 101).map(publicPreKey) });
      expect(res.status).toBe(413);
      expect(res.body.error).toBe('too_many_keys');
      expect(await count(device)).toEqual({ preKeys: 0, pqPreKeys: 0 });
    });

    it.each<[string, unknown]>([
      ['a signed prekey inside an array', { signedPreKey: [] }],
      ['prekeys nested in another array', { preKeys: [[]] }],
      ['an unknown field', { oneTimeKeys: [] }],
      ['a JSON array body', []],
    ])('answers 400 for %s', async (_case, body) => {
      const device = await newUser(server);
      expect((await upload(device, body)).status).toBe(400);
    });
  });

  describe('GET /v1/keys/:address[/:deviceId]', () => {
    it('returns a bundle for every device of the account', async () => {
      const bob = await newUser(server, { oneTimeKeys: 2 });
      const bobPhone = await newDevice(server, bob.account, { oneTimeKeys: 2 });
      const alice = await newUser(server);
      const res = await fetchBundles(alice, bob.username);
      expect(res.status).toBe(200);
      expect(res.body.address).toBe(bob.username);
      const expected = (d: TestDevice): DeviceBundle => ({
        deviceId: d.deviceId,
        registrationId: d.keys.registrationId,
        identityKey: toBase64(d.keys.identity.publicKey.serialize()),
        signedPreKey: publicSignedPreKey(d.keys.signedPreKey),
        preKey: publicPreKey(d.keys.preKeys[0]),
        pqPreKey: publicKyberPreKey(d.keys.pqPreKeys[0]),
      });
      expect(res.body.devices).toEqual([expected(bob), expected(bobPhone)]);
    });

    it('returns one device only, and the same account by its own domain', async () => {
      const bob = await newUser(server, { oneTimeKeys: 3 });
      const bobPhone = await newDevice(server, bob.account, { oneTimeKeys: 3 });
      const alice = await newUser(server);
      const one = await fetchBundles(alice, `${bob.username}/${bobPhone.deviceId}`);
      expect(one.status).toBe(200);
      expect(one.body.devices.map((d) => d.deviceId)).toEqual([bobPhone.deviceId]);
      const qualified = await fetchBundles(alice, `${bob.username}@localhost/${bob.deviceId}`);
      expect(qualified.status).toBe(200);
      expect(qualified.body.devices[0].identityKey).toBe(toBase64(bob.keys.identity.publicKey.serialize()));
      // Only the fetched devices gave up a key.
      expect(await count(bob)).toEqual({ preKeys: 2, pqPreKeys: 2 });
      expect(await count(bobPhone)).toEqual({ preKeys: 2, pqPreKeys: 2 });
    });

    it.each([
      ['an unknown account', () => 'nobody_here', 'unknown_address'],
      ['an invalid address', () => 'Not%20Valid', 'unknown_address'],
      ['an unknown device', (bob: TestDevice) => `${bob.username}/9`, 'unknown_device'],
      ['device id 0', (bob: TestDevice) => `${bob.username}/0`, 'unknown_device'],
    ])('answers 404 for %s', async (_case, path, error) => {
      const bob = await newUser(server);
      const alice = await newUser(server);
      const res = await fetchBundles(alice, path(bob));
      expect(res.status).toBe(404);
      expect((res.body as unknown as { error: string }).error).toBe(error);
    });

    it('answers 404 for an account that has no device', async () => {
      const account = await newAccount(server);
      const alice = await newUser(server);
      expect((await fetchBundles(alice, account.username)).status).toBe(404);
    });

    it('hands out each one-time key once, oldest first; then preKey null and pqPreKey the last-resort key', async () => {
      const bob = await newUser(server, { oneTimeKeys: 4 });
      const alice = await newUser(server);
      const bundles: DeviceBundle[] = [];
      for (let i = 0; i < 6; i++) bundles.push(...(await fetchBundles(alice, bob.username)).body.devices);
      expect(bundles.map((b) => b.preKey?.keyId ?? null)).toEqual([...bob.keys.preKeys.map((k) => k.id()), null, null]);
      const lastResort = publicKyberPreKey(bob.keys.pqLastResortPreKey);
      expect(bundles.map((b) => b.pqPreKey)).toEqual([...bob.keys.pqPreKeys.map(publicKyberPreKey), lastResort, lastResort]);
      expect(await count(bob)).toEqual({ preKeys: 0, pqPreKeys: 0 });
      // The signed keys are never consumed.
      expect(new Set(bundles.map((b) => b.signedPreKey.keyId))).toEqual(new Set([1]));
    });

    it("lets the owner see its own devices' bundles too (for its other devices)", async () => {
      const bob = await newUser(server, { oneTimeKeys: 1 });
      const bobPhone = await newDevice(server, bob.account, { oneTimeKeys: 1 });
      const res = await fetchBundles(bobPhone, bob.username);
      expect(res.status).toBe(200);
      expect(res.body.devices).toHaveLength(2);
    });
  });
});

describe('draining one target (default limits)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("stops one requester fetching one target's bundle long before its one-time keys run out; others still get keys", async () => {
    const bob = await newUser(server, { oneTimeKeys: 40 });
    const mallory = await newUser(server);
    const get = (from: TestDevice, target = bob.username) => api(server, 'GET', `/v1/keys/${target}`, undefined, { token: from.token });
    // keyFetchPerTarget allows a burst of 25 per (requester, target) pair; the requester-wide budget is 300.
    for (let i = 0; i < 25; i++) expect((await get(mallory)).status).toBe(200);
    const refused = await get(mallory);
    expect(refused).toMatchObject({ status: 429, body: { error: 'rate_limited' } });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(60);
    expect((await api(server, 'GET', '/v1/keys/count', undefined, { token: bob.token })).body).toEqual({ preKeys: 15, pqPreKeys: 15 });

    const carol = await newUser(server);
    expect((await get(mallory, carol.username)).status).toBe(200);
    expect((await get(carol)).body.devices[0].preKey).not.toBeNull();
  });
});

describe('bundle fetch throttling', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ RATE_LIMITS: 'keyFetch=5/60,keyUpload=3/600' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('throttles key uploads per device with 429 and Retry-After', async () => {
    const device = await newUser(server, { oneTimeKeys: 0 });
    const other = await newUser(server, { oneTimeKeys: 0 });
    const put = (d: TestDevice, start: number) =>
      api(server, 'PUT', '/v1/keys', { preKeys: generatePreKeys(1000 + start, 1).map(publicPreKey) }, { token: d.token });
    for (let i = 1; i <= 3; i++) expect((await put(device, i)).status).toBe(204);
    const throttled = await put(device, 4);
    expect(throttled).toMatchObject({ status: 429, body: { error: 'rate_limited' } });
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await put(other, 1)).status).toBe(204);
  });

  it('throttles per requesting account with 429 and Retry-After, and spends no key when refused', async () => {
    const bob = await newUser(server, { oneTimeKeys: 10 });
    const alice = await newUser(server);
    const alicePhone = await newDevice(server, alice.account);
    const get = (from: TestDevice) => api(server, 'GET', `/v1/keys/${bob.username}`, undefined, { token: from.token });
    for (let i = 0; i < 3; i++) expect((await get(alice)).status).toBe(200);
    // Both devices of the account draw from one bucket.
    for (let i = 0; i < 2; i++) expect((await get(alicePhone)).status).toBe(200);
    const throttled = await get(alice);
    expect(throttled.status).toBe(429);
    expect(throttled.body.error).toBe('rate_limited');
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await get(alicePhone)).status).toBe(429);
    expect((await api(server, 'GET', '/v1/keys/count', undefined, { token: bob.token })).body).toEqual({ preKeys: 5, pqPreKeys: 5 });

    // Another requester has its own budget.
    const carol = await newUser(server);
    expect((await get(carol)).status).toBe(200);
  });
});
