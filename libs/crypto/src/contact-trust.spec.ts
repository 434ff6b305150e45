import { IdentityKeyPair } from '@signalapp/libsignal-client';
import type { DeviceListEntry } from '@parley/protocol';
import { ContactTrust, generateAccountIdentity, MemoryContactStore, signDeviceList, toBase64 } from '.';

const BOB = 'bob@b.example';
const device = (deviceId: number): DeviceListEntry => ({
  deviceId,
  registrationId: 1000 + deviceId,
  identityKey: toBase64(IdentityKeyPair.generate().publicKey.serialize()),
});

describe('ContactTrust', () => {
  const bob = generateAccountIdentity();
  const [phone, laptop, tablet] = [device(1), device(2), device(3)];
  const signed = (version: number, devices: DeviceListEntry[], identity = bob, address = BOB) =>
    signDeviceList(identity, { address, version, timestamp: 1_700_000_000_000 + version, devices });
  const v1 = signed(1, [phone]);
  const v2 = signed(2, [phone, laptop]);
  let store: MemoryContactStore;
  let trust: ContactTrust;

  beforeEach(async () => {
    store = new MemoryContactStore();
    trust = new ContactTrust(store);
    expect(await trust.checkBundle(BOB, { devices: [phone], deviceList: v1 })).toMatchObject({ ok: true, firstUse: true });
  });

  /** Checks that the bundle fails for `reason` and that the stored record did not move. */
  async function expectRefused(bundle: Parameters<ContactTrust['checkBundle']>[1], reason: string) {
    const before = await store.get(BOB);
    const result = await trust.checkBundle(BOB, bundle);
    expect(result).toMatchObject({ ok: false, reason });
    expect(await store.get(BOB)).toEqual(before);
    return result;
  }

  it('pins the account identity and list on first use, with every listed device as added', async () => {
    const fresh = new ContactTrust(new MemoryContactStore());
    expect(await fresh.checkBundle(BOB, { devices: [laptop], deviceList: v2 })).toEqual({
      ok: true,
      firstUse: true,
      added: [phone, laptop],
      removed: [],
    });
    expect(await store.get(BOB)).toEqual({
      address: BOB,
      accountIdentityKey: toBase64(bob.publicKey.serialize()),
      listVersion: 1,
      devices: [phone],
      verified: false,
    });
  });

  it('follows newer lists and reports the devices added and removed', async () => {
    expect(await trust.checkBundle(BOB, { devices: [phone, laptop], deviceList: v2 })).toEqual({
      ok: true,
      firstUse: false,
      added: [laptop],
      removed: [],
    });
    const v3 = signed(3, [laptop, tablet]);
    expect(await trust.checkBundle(BOB, { devices: [tablet], deviceList: v3 })).toEqual({
      ok: true,
      firstUse: false,
      added: [tablet],
      removed: [phone],
    });
    expect(await store.get(BOB)).toMatchObject({ listVersion: 3, devices: [laptop, tablet] });
  });

  it('accepts the same list again, re-signed or not, and a listed device missing from the bundle', async () => {
    expect(await trust.checkBundle(BOB, { devices: [], deviceList: v1 })).toEqual({ ok: true, firstUse: false, added: [], removed: [] });
    const resigned = signDeviceList(bob, { address: BOB, version: 1, timestamp: Date.now(), devices: [phone] });
    expect(await trust.checkBundle(BOB, { devices: [phone], deviceList: resigned })).toMatchObject({ ok: true, added: [], removed: [] });
  });

  it('refuses to encrypt without a signed list', async () => {
    await expectRefused({ devices: [phone], deviceList: null }, 'missing_list');
  });

  it('refuses a list whose signature is not by the key it names', async () => {
    const forged = { ...signed(2, [phone, tablet], generateAccountIdentity()), accountIdentityKey: v1.accountIdentityKey };
    await expectRefused({ devices: [phone, tablet], deviceList: forged }, 'bad_signature');
  });

  it('refuses a signed list whose entry was altered after signing', async () => {
    const altered = { ...v2, devices: [phone, { ...laptop, identityKey: tablet.identityKey }] };
    await expectRefused({ devices: [phone, altered.devices[1]], deviceList: altered }, 'bad_signature');
  });

  it("refuses another account's genuine list served under the contact's address", async () => {
    const carols = signed(1, [tablet], generateAccountIdentity(), 'carol@b.example');
    await expectRefused({ devices: [tablet], deviceList: carols }, 'wrong_address');
  });

  it('blocks a list signed by a new account identity until the user accepts it', async () => {
    const mallory = generateAccountIdentity();
    const takeover = signed(5, [tablet], mallory);
    const result = await trust.checkBundle(BOB, { devices: [tablet], deviceList: takeover });
    expect(result).toEqual({
      ok: false,
      reason: 'identity_changed',
      message: "bob@b.example's account identity changed; run `parley trust bob@b.example` after checking the safety number",
    });
    const pending = toBase64(mallory.publicKey.serialize());
    expect(await store.get(BOB)).toMatchObject({ accountIdentityKey: v1.accountIdentityKey, listVersion: 1, pendingIdentityKey: pending });
    expect(await trust.checkBundle(BOB, { devices: [tablet], deviceList: takeover })).toMatchObject({ reason: 'identity_changed' });

    await trust.acceptIdentity(BOB);
    // A new identity starts its own versions: its list is taken even if lower than the old identity's.
    const restart = signed(1, [tablet], mallory);
    expect(await trust.checkBundle(BOB, { devices: [tablet], deviceList: restart })).toEqual({
      ok: true,
      firstUse: false,
      added: [tablet],
      removed: [phone],
    });
    expect(await store.get(BOB)).toEqual({ address: BOB, accountIdentityKey: pending, listVersion: 1, devices: [tablet], verified: false });
    expect(await trust.checkBundle(BOB, { devices: [phone], deviceList: v2 })).toMatchObject({ reason: 'identity_changed' });
  });

  it('refuses a replayed older list, genuinely signed, once a newer one was seen', async () => {
    await trust.checkBundle(BOB, { devices: [phone, laptop], deviceList: v2 });
    await expectRefused({ devices: [phone], deviceList: v1 }, 'version_rollback');
  });

  it('refuses two different lists signed with the same version', async () => {
    const fork = signed(1, [phone, tablet]);
    await expectRefused({ devices: [phone], deviceList: fork }, 'equivocation');
  });

  it('refuses a bundle device the list does not name (a device added by the server)', async () => {
    await expectRefused({ devices: [phone, tablet], deviceList: v1 }, 'device_not_listed');
  });

  it('refuses a listed device whose bundle carries another identity key or registration id', async () => {
    await expectRefused({ devices: [{ ...phone, identityKey: tablet.identityKey }], deviceList: v1 }, 'device_key_mismatch');
    await expectRefused({ devices: [{ ...phone, registrationId: 7 }], deviceList: v1 }, 'device_key_mismatch');
  });

  it('keeps verified until the identity changes, and refuses to verify a pending change', async () => {
    await trust.markVerified(BOB);
    await trust.checkBundle(BOB, { devices: [phone], deviceList: v2 });
    expect(await store.get(BOB)).toMatchObject({ verified: true, listVersion: 2 });

    await trust.checkBundle(BOB, { devices: [tablet], deviceList: signed(1, [tablet], generateAccountIdentity()) });
    await expect(trust.markVerified(BOB)).rejects.toThrow(/accept the new one/);
    await trust.acceptIdentity(BOB);
    expect(await store.get(BOB)).toMatchObject({ verified: false, listVersion: 0 });
  });

  it('has nothing to accept or verify for an unknown contact or an unchanged identity', async () => {
    await expect(trust.acceptIdentity(BOB)).rejects.toThrow(/no changed account identity/);
    await expect(trust.markVerified('carol@c.example')).rejects.toThrow(/no pinned account identity/);
  });
});

describe('ContactTrust with a key log check', () => {
  const carol = generateAccountIdentity();
  const list = signDeviceList(carol, { address: 'carol@b.example', version: 1, timestamp: 1, devices: [] });
  const refuse = async () => {
    throw new Error('not in the log');
  };

  it('pins nothing, not even a changed identity, when the log check refuses the list', async () => {
    const store = new MemoryContactStore();
    const trust = new ContactTrust(store);
    await expect(trust.checkBundle('carol@b.example', { devices: [], deviceList: list }, refuse)).rejects.toThrow('not in the log');
    expect(await store.get('carol@b.example')).toBeNull();
    await trust.checkBundle('carol@b.example', { devices: [], deviceList: list }, async () => undefined);
    const reset = signDeviceList(generateAccountIdentity(), { address: 'carol@b.example', version: 2, timestamp: 2, devices: [] });
    await expect(trust.checkBundle('carol@b.example', { devices: [], deviceList: reset }, refuse)).rejects.toThrow('not in the log');
    expect((await store.get('carol@b.example'))?.pendingIdentityKey).toBeUndefined();
  });
});
