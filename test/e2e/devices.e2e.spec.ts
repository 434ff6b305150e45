import { IdentityKeyPair } from '@signalapp/libsignal-client';
import {
  generateDeviceKeys,
  generateKyberPreKey,
  generatePreKeys,
  generateSignedPreKey,
  publicKyberPreKey,
  publicPreKey,
  publicSignedPreKey,
  toBase64,
} from '@parley/crypto';
import { DEVICE_LOGIN_CONTEXT } from '@parley/protocol';
import { api, newAccount, newDevice, newUser, registrationFor, removeDevice, TestDevice } from '../support/fixtures';
import { startServer, TestServer } from '../support/server';

const signLogin = (device: TestDevice, challenge: string) =>
  toBase64(
    device.keys.identity.privateKey.sign(
      new Uint8Array(Buffer.concat([Buffer.from(DEVICE_LOGIN_CONTEXT, 'utf8'), Buffer.from(challenge, 'base64')])),
    ),
  );

describe('devices (API.md section 1)', () => {
  let server: TestServer;
  // A limit of 3 devices keeps the device-limit test short.
  beforeAll(async () => {
    server = await startServer({ MAX_DEVICES_PER_ACCOUNT: '3' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  const deviceIds = async (device: TestDevice) =>
    (await api(server, 'GET', '/v1/devices', undefined, { token: device.token })).body.devices.map((d: { deviceId: number }) => d.deviceId);

  describe('POST /v1/devices', () => {
    it('registers a device with real keys and answers 201 with tokens scoped to it', async () => {
      const account = await newAccount(server);
      const keys = generateDeviceKeys(3);
      const res = await api(server, 'POST', '/v1/devices', registrationFor(account, keys, 'laptop').request, {
        token: account.tokens.accessToken,
      });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        deviceId: 1,
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
        expiresIn: expect.any(Number),
      });
      const list = await api(server, 'GET', '/v1/devices', undefined, { token: res.body.accessToken });
      expect(list.status).toBe(200);
      expect(list.body.devices).toEqual([
        {
          deviceId: 1,
          name: 'laptop',
          registrationId: keys.registrationId,
          createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
          lastSeenAt: null,
        },
      ]);
      const count = await api(server, 'GET', '/v1/keys/count', undefined, { token: res.body.accessToken });
      expect(count.body).toEqual({ preKeys: 3, pqPreKeys: 3 });
    });

    it('accepts a device token of the same account too, and gives the new device the next id', async () => {
      const first = await newUser(server);
      const keys = generateDeviceKeys(1);
      const res = await api(server, 'POST', '/v1/devices', registrationFor(first.account, keys, 'phone').request, { token: first.token });
      expect(res.status).toBe(201);
      expect(res.body.deviceId).toBe(2);
      expect(await deviceIds(first)).toEqual([1, 2]);
    });

    it('answers 401 without a token', async () => {
      const res = await api(server, 'POST', '/v1/devices', registrationFor(await newAccount(server), generateDeviceKeys(0), 'x').request);
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('unauthorized');
    });

    describe('rejects bad keys with 400 and stores nothing', () => {
      const other = IdentityKeyPair.generate();
      it.each<[string, string, (req: any) => void]>([
        [
          'identityKey not base64',
          'invalid_key',
          (req) => {
            req.identityKey = '!!not base64!!';
          },
        ],
        [
          'a signature without its base64 padding',
          'invalid_key',
          (req) => {
            req.signedPreKey.signature = req.signedPreKey.signature.replace(/=+$/, '');
          },
        ],
        [
          'a key in URL-safe base64',
          'invalid_key',
          (req) => {
            // A Kyber key's 2,092 base64 characters always hold a '+' or '/'; a short EC key may not.
            req.pqLastResortPreKey.publicKey = req.pqLastResortPreKey.publicKey.replace(/\+/g, '-').replace(/\//g, '_');
          },
        ],
        [
          'identityKey of 32 bytes',
          'invalid_key',
          (req) => {
            req.identityKey = toBase64(Buffer.from(req.identityKey, 'base64').subarray(1));
          },
        ],
        [
          'a one-time prekey of the wrong length',
          'invalid_key',
          (req) => {
            req.preKeys[0].publicKey = toBase64(new Uint8Array(34).fill(5));
          },
        ],
        [
          'a Kyber key that is an EC key',
          'invalid_key',
          (req) => {
            req.pqPreKeys[0].publicKey = req.preKeys[0].publicKey;
          },
        ],
        [
          'a signature of 63 bytes',
          'invalid_key',
          (req) => {
            req.signedPreKey.signature = toBase64(new Uint8Array(63));
          },
        ],
        [
          'a signed prekey signed by another identity',
          'invalid_signature',
          (req) => {
            req.signedPreKey = publicSignedPreKey(generateSignedPreKey(other, 1));
          },
        ],
        [
          'a one-time Kyber key signed by another identity',
          'invalid_signature',
          (req) => {
            req.pqPreKeys[1] = publicKyberPreKey(generateKyberPreKey(other, 3));
          },
        ],
        [
          'a last-resort Kyber key signed by another identity',
          'invalid_signature',
          (req) => {
            req.pqLastResortPreKey = publicKyberPreKey(generateKyberPreKey(other, 1));
          },
        ],
        [
          'a signature over other bytes',
          'invalid_signature',
          (req) => {
            req.signedPreKey.signature = req.pqPreKeys[0].signature;
          },
        ],
        [
          'no signed prekey',
          'validation_failed',
          (req) => {
            delete req.signedPreKey;
          },
        ],
        [
          'no last-resort Kyber key',
          'validation_failed',
          (req) => {
            delete req.pqLastResortPreKey;
          },
        ],
        [
          'the signed prekey inside an array',
          'validation_failed',
          (req) => {
            req.signedPreKey = [req.signedPreKey];
          },
        ],
        [
          'the one-time prekeys nested in another array',
          'validation_failed',
          (req) => {
            req.preKeys = [req.preKeys];
          },
        ],
        [
          'a one-time prekey that is a number',
          'validation_failed',
          (req) => {
            req.preKeys = [1];
          },
        ],
        [
          'a registration id of 0',
          'validation_failed',
          (req) => {
            req.registrationId = 0;
          },
        ],
        [
          'a key id of 2^24',
          'validation_failed',
          (req) => {
            req.preKeys[0].keyId = 2 ** 24;
          },
        ],
        [
          'an unknown field in a nested key',
          'unknown_field',
          (req) => {
            req.signedPreKey.extra = 1;
          },
        ],
      ])('%s: %s', async (_case, error, edit) => {
        const account = await newAccount(server);
        const { request } = registrationFor(account, generateDeviceKeys(2), 'bad');
        edit(request);
        const res = await api(server, 'POST', '/v1/devices', request, { token: account.tokens.accessToken });
        expect(res.status).toBe(400);
        expect(res.body.error).toBe(error);
        // Nothing stored: the first good device of this account is still device 1.
        expect((await newDevice(server, account)).deviceId).toBe(1);
      });
    });

    it('answers 409 duplicate_key_id for a key id repeated within a list', async () => {
      const account = await newAccount(server);
      const { request } = registrationFor(account, generateDeviceKeys(3), 'dup');
      request.preKeys![2].keyId = request.preKeys![0].keyId;
      const res = await api(server, 'POST', '/v1/devices', request, { token: account.tokens.accessToken });
      expect(res.status).toBe(409);
      expect(res.body.error).toBe('duplicate_key_id');
    });

    it('answers 413 too_many_keys for more than 100 keys in a list', async () => {
      const account = await newAccount(server);
      const { request } = registrationFor(account, generateDeviceKeys(0), 'many');
      request.preKeys = generatePreKeys(1, 101).map(publicPreKey);
      const res = await api(server, 'POST', '/v1/devices', request, { token: account.tokens.accessToken });
      expect(res.status).toBe(413);
      expect(res.body.error).toBe('too_many_keys');
      request.preKeys = request.preKeys.slice(0, 100);
      expect((await api(server, 'POST', '/v1/devices', request, { token: account.tokens.accessToken })).status).toBe(201);
    });

    it('answers 403 device_limit_reached beyond MAX_DEVICES_PER_ACCOUNT', async () => {
      const first = await newUser(server);
      await newDevice(server, first.account);
      await newDevice(server, first.account);
      const res = await api(server, 'POST', '/v1/devices', registrationFor(first.account, generateDeviceKeys(1)).request, {
        token: first.token,
      });
      expect(res).toMatchObject({ status: 403, body: { error: 'device_limit_reached' } });
      expect(await deviceIds(first)).toEqual([1, 2, 3]);
    });

    it('lets exactly one of two concurrent registrations signing the same next version through (409 stale_device_list)', async () => {
      const account = await newAccount(server);
      // Both sign version 1 with device id 1: the account row lock makes one of them see version 1 taken.
      const results = await Promise.all(
        [generateDeviceKeys(1), generateDeviceKeys(1)].map((keys) =>
          api(server, 'POST', '/v1/devices', registrationFor(account, keys).request, { token: account.tokens.accessToken }),
        ),
      );
      expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
      expect(results.find((r) => r.status === 409)!.body).toMatchObject({ error: 'stale_device_list', currentVersion: 1 });
      const device = results.find((r) => r.status === 201)!.body;
      expect((await api(server, 'GET', '/v1/devices', undefined, { token: device.accessToken })).body.devices).toHaveLength(1);
    });
  });

  describe('account token vs device token', () => {
    it.each([
      ['GET', '/v1/devices'],
      ['DELETE', '/v1/devices/1'],
      ['PUT', '/v1/keys'],
      ['GET', '/v1/keys/count'],
      ['GET', '/v1/keys/someone'],
      ['GET', '/v1/keys/someone/1'],
    ])('%s %s answers 403 device_token_required to an account token', async (method, path) => {
      const account = await newAccount(server);
      const res = await api(server, method, path, method === 'PUT' ? {} : undefined, { token: account.tokens.accessToken });
      expect(res.status).toBe(403);
      expect(res.body.error).toBe('device_token_required');
    });

    it.each([
      ['GET', '/v1/devices'],
      ['GET', '/v1/keys/count'],
      ['POST', '/v1/auth/logout'],
    ])('%s %s answers 401 to a missing or forged token', async (method, path) => {
      expect((await api(server, method, path)).status).toBe(401);
      const forged = await api(server, method, path, undefined, { token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl' });
      expect(forged.status).toBe(401);
      expect(forged.body.error).toBe('unauthorized');
    });
  });

  describe('DELETE /v1/devices/:deviceId', () => {
    it('removes a device: its tokens and keys are gone at once', async () => {
      const first = await newUser(server);
      const second = await newDevice(server, first.account);
      const peer = await newUser(server);
      expect((await removeDevice(server, first, second.deviceId)).status).toBe(204);

      const stale = await api(server, 'GET', '/v1/keys/count', undefined, { token: second.token });
      expect(stale.status).toBe(401);
      expect((await api(server, 'POST', '/v1/auth/refresh', { refreshToken: second.tokens.refreshToken })).status).toBe(401);
      expect(await deviceIds(first)).toEqual([1]);
      expect((await api(server, 'GET', `/v1/keys/${first.username}/${second.deviceId}`, undefined, { token: peer.token })).status).toBe(
        404,
      );
      const bundle = await api(server, 'GET', `/v1/keys/${first.username}`, undefined, { token: peer.token });
      expect(bundle.body.devices.map((d: { deviceId: number }) => d.deviceId)).toEqual([1]);
      // Device ids are never reused.
      expect((await newDevice(server, first.account)).deviceId).toBe(3);
    });

    it('lets a device remove itself', async () => {
      const first = await newUser(server);
      expect((await removeDevice(server, first, first.deviceId)).status).toBe(204);
      expect((await api(server, 'GET', '/v1/devices', undefined, { token: first.token })).status).toBe(401);
    });

    it("answers 404 for another account's device and leaves it alone", async () => {
      const mallory = await newUser(server);
      const victim = await newUser(server);
      const victimPhone = await newDevice(server, victim.account);
      const res = await removeDevice(server, mallory, victimPhone.deviceId);
      expect(res.status).toBe(404);
      expect(res.body.error).toBe('unknown_device');
      expect((await api(server, 'GET', '/v1/keys/count', undefined, { token: victimPhone.token })).status).toBe(200);
      expect(await deviceIds(victim)).toEqual([1, 2]);
      expect(await deviceIds(mallory)).toEqual([1]);
    });

    it('answers 404 for an unknown device id and 400 for a non-numeric one', async () => {
      const user = await newUser(server);
      expect((await removeDevice(server, user, 99)).status).toBe(404);
      expect((await api(server, 'DELETE', '/v1/devices/abc', undefined, { token: user.token })).status).toBe(400);
    });
  });

  describe('challenge and device login', () => {
    it('logs a device in with its signature over the challenge', async () => {
      const device = await newUser(server);
      const issued = await api(server, 'POST', '/v1/auth/challenge', { username: device.username, deviceId: device.deviceId });
      expect(issued.status).toBe(200);
      expect(Buffer.from(issued.body.challenge, 'base64')).toHaveLength(32);
      const login = await api(server, 'POST', '/v1/auth/device', {
        username: device.username,
        deviceId: device.deviceId,
        challenge: issued.body.challenge,
        signature: signLogin(device, issued.body.challenge),
      });
      expect(login.status).toBe(200);
      expect(login.body).toEqual({ accessToken: expect.any(String), refreshToken: expect.any(String), expiresIn: expect.any(Number) });
      const list = await api(server, 'GET', '/v1/devices', undefined, { token: login.body.accessToken });
      expect(list.status).toBe(200);
      expect(list.body.devices[0].lastSeenAt).toEqual(expect.any(String));
    });

    it('refuses a replayed challenge with 401', async () => {
      const device = await newUser(server);
      const { challenge } = (await api(server, 'POST', '/v1/auth/challenge', { username: device.username, deviceId: device.deviceId }))
        .body;
      const body = { username: device.username, deviceId: device.deviceId, challenge, signature: signLogin(device, challenge) };
      expect((await api(server, 'POST', '/v1/auth/device', body)).status).toBe(200);
      const replay = await api(server, 'POST', '/v1/auth/device', body);
      expect(replay.status).toBe(401);
      expect(replay.body.error).toBe('unauthorized');
    });

    it('refuses a signature by another key, and a challenge issued to another device', async () => {
      const device = await newUser(server);
      const sibling = await newDevice(server, device.account);
      const { challenge } = (await api(server, 'POST', '/v1/auth/challenge', { username: device.username, deviceId: device.deviceId }))
        .body;
      const wrongKey = await api(server, 'POST', '/v1/auth/device', {
        username: device.username,
        deviceId: device.deviceId,
        challenge,
        signature: signLogin(sibling, challenge),
      });
      expect(wrongKey.status).toBe(401);
      const other = (await api(server, 'POST', '/v1/auth/challenge', { username: device.username, deviceId: device.deviceId })).body
        .challenge;
      const wrongDevice = await api(server, 'POST', '/v1/auth/device', {
        username: device.username,
        deviceId: sibling.deviceId,
        challenge: other,
        signature: signLogin(sibling, other),
      });
      expect(wrongDevice.status).toBe(401);
      // A made-up challenge with a good signature is refused too.
      const madeUp = toBase64(new Uint8Array(32).fill(7));
      expect(
        (
          await api(server, 'POST', '/v1/auth/device', {
            username: device.username,
            deviceId: device.deviceId,
            challenge: madeUp,
            signature: signLogin(device, madeUp),
          })
        ).status,
      ).toBe(401);
    });

    it('answers 404 for a challenge to an unknown user or device', async () => {
      const device = await newUser(server);
      expect((await api(server, 'POST', '/v1/auth/challenge', { username: device.username, deviceId: 9 })).status).toBe(404);
      expect((await api(server, 'POST', '/v1/auth/challenge', { username: 'nobody_here', deviceId: 1 })).status).toBe(404);
    });

    it('answers 401, not 5xx, for a device login of an unknown user', async () => {
      const challenge = toBase64(new Uint8Array(32));
      const res = await api(server, 'POST', '/v1/auth/device', {
        username: 'nobody_here',
        deviceId: 1,
        challenge,
        signature: toBase64(new Uint8Array(64)),
      });
      expect(res.status).toBe(401);
    });
  });
});
