import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProtocolAddress } from '@signalapp/libsignal-client';
import {
  bundleFor,
  DeviceStore,
  MemoryProtocolStore,
  fromBase64,
  toBase64,
  WrongPassphraseError,
  decryptMessage,
  encryptMessage,
  generateDeviceKeys,
  startSession,
  rotateSignedKeys,
  topUpOneTimeKeys,
} from '..';

const text = (s: string) => new Uint8Array(Buffer.from(s));
const utf8 = (bytes: Uint8Array) => Buffer.from(bytes).toString();

describe('DeviceStore (encrypted file store)', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'parley-store-'));
    path = join(dir, 'device.parley');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps sessions, keys and profile across a reopen', async () => {
    const bobKeys = generateDeviceKeys(2);
    const bob = await DeviceStore.create(path, 'correct horse', bobKeys, { username: 'bob' });
    const alice = new MemoryProtocolStore(generateDeviceKeys(2));
    const aliceAddr = ProtocolAddress.new('alice', 1);
    const bobAddr = ProtocolAddress.new('bob', 1);
    await startSession(alice, aliceAddr, bobAddr, bundleFor(bobKeys, 1));
    const first = await encryptMessage(alice, aliceAddr, bobAddr, text('one'), bobKeys.registrationId);
    expect(utf8(await decryptMessage(bob, bobAddr, aliceAddr, first.type, first.content))).toBe('one');

    const reopened = await DeviceStore.open<{ username: string }>(path, 'correct horse');
    expect(reopened.profile).toEqual({ username: 'bob' });
    expect(reopened.registrationId).toBe(bobKeys.registrationId);
    expect(reopened.sessions.deviceIds('alice')).toEqual([1]);
    expect(reopened.preKeys.records.has(bobKeys.preKeys[0].id())).toBe(false);
    // The ratchet continues from the persisted session, in both directions.
    const second = await encryptMessage(alice, aliceAddr, bobAddr, text('two'), bobKeys.registrationId);
    expect(utf8(await decryptMessage(reopened, bobAddr, aliceAddr, second.type, second.content))).toBe('two');
    const reply = await encryptMessage(reopened, bobAddr, aliceAddr, text('back'), 1);
    expect(utf8(await decryptMessage(alice, aliceAddr, bobAddr, reply.type, reply.content))).toBe('back');
  });

  it('refuses a wrong passphrase and a tampered file', async () => {
    await DeviceStore.create(path, 'right', generateDeviceKeys(1), {});
    await expect(DeviceStore.open(path, 'wrong')).rejects.toBeInstanceOf(WrongPassphraseError);

    const sealed = JSON.parse(readFileSync(path, 'utf8'));
    sealed.kdf.timeCost = 1; // a weaker KDF swapped in must not go unnoticed
    writeFileSync(path, JSON.stringify(sealed));
    await expect(DeviceStore.open(path, 'right')).rejects.toBeInstanceOf(WrongPassphraseError);
  });

  it('never stores the secrets in the clear', async () => {
    const keys = generateDeviceKeys(1);
    await DeviceStore.create(path, 'pw', keys, { refreshToken: 'secret-refresh-token' });
    const onDisk = readFileSync(path, 'utf8');
    expect(onDisk).not.toContain('secret-refresh-token');
    expect(onDisk).not.toContain(toBase64(keys.identity.serialize()));
  });

  it('keeps the Kyber last-resort key after use and never reuses key ids', async () => {
    const keys = generateDeviceKeys(2);
    const store = await DeviceStore.create(path, 'pw', keys, {});
    const lastResortId = keys.pqLastResortPreKey.id();
    await store.kyberPreKeys.markKyberPreKeyUsed(lastResortId);
    await store.kyberPreKeys.markKyberPreKeyUsed(keys.pqPreKeys[0].id());
    const upload = await topUpOneTimeKeys(store, { preKeys: 0, pqPreKeys: 1 }, 4);

    const reopened = await DeviceStore.open(path, 'pw');
    expect(reopened.kyberPreKeys.records.has(lastResortId)).toBe(true);
    expect(reopened.kyberPreKeys.records.has(keys.pqPreKeys[0].id())).toBe(false);
    const oldIds = [...keys.preKeys, ...keys.pqPreKeys, keys.pqLastResortPreKey].map((r) => r.id());
    expect(upload!.preKeys!.map((k) => k.keyId)).toEqual([3, 4, 5, 6]);
    expect(upload!.pqPreKeys!.map((k) => k.keyId)).toEqual([4, 5, 6]);
    expect(upload!.pqPreKeys!.some((k) => oldIds.slice(2).includes(k.keyId))).toBe(false);
    expect(await topUpOneTimeKeys(reopened, { preKeys: 4, pqPreKeys: 4 }, 4)).toBeNull();
  });

  it('rotates signed keys: keeps the three newest signed prekeys and every last-resort key', async () => {
    const keys = generateDeviceKeys(1);
    const store = await DeviceStore.create(path, 'pw', keys, {});
    const uploads = [];
    for (let i = 0; i < 4; i++) uploads.push(await rotateSignedKeys(store));

    const reopened = await DeviceStore.open(path, 'pw');
    expect([...reopened.signedPreKeys.records.keys()].sort()).toEqual([3, 4, 5]);
    const lastResortIds = [keys.pqLastResortPreKey.id(), ...uploads.map((u) => u.pqLastResortPreKey!.keyId)];
    expect(lastResortIds.every((id) => reopened.kyberPreKeys.records.has(id))).toBe(true);
    expect(new Set(lastResortIds).size).toBe(5);
    // Each rotated key is signed by the device's identity, as the server will check.
    const identity = reopened.identityKeyPair.publicKey;
    for (const { signedPreKey } of uploads) {
      expect(identity.verify(fromBase64(signedPreKey!.publicKey), fromBase64(signedPreKey!.signature))).toBe(true);
    }
  });

  it('leaves the last complete content when writes race, and no temp files behind', async () => {
    const store = await DeviceStore.create(path, 'pw', generateDeviceKeys(1), { n: 0 });
    await Promise.all(
      Array.from({ length: 20 }, (_, n) => {
        store.profile = { n: n + 1 };
        return store.save();
      }),
    );
    expect((await DeviceStore.open<{ n: number }>(path, 'pw')).profile).toEqual({ n: 20 });
    expect(readdirSync(dir)).toEqual(['device.parley']);
  });
});
