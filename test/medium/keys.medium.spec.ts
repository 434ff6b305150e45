import { generateKyberPreKey, generatePreKeys, generateSignedPreKey } from '@parley/crypto';
import { KeysRepository } from '../../apps/server/src/keys/keys.repository';
import { MediumDevice, useMediumContext } from './medium-context';

const BOUND = 100;

describe('KeysRepository (medium)', () => {
  const ctx = useMediumContext();
  let keys: KeysRepository;
  beforeAll(() => {
    keys = new KeysRepository(ctx.db);
  });

  const aliceAndBob = (oneTimeKeys = 3) => ctx.aliceAndBob({ oneTimeKeys });
  const claim = (d: MediumDevice, deviceId: number | null = d.deviceId) => keys.claimBundleKeys(d.username, deviceId, BOUND);
  const claimIds = async (d: MediumDevice) => {
    const [row] = await claim(d);
    return [row.ec_key_id, row.pq_key_id];
  };
  const signed = (d: MediumDevice, keyId: number, kind: 'ec' | 'kyber') => {
    const record = kind === 'ec' ? generateSignedPreKey(d.keys.identity, keyId) : generateKyberPreKey(d.keys.identity, keyId);
    return { keyId, publicKey: Buffer.from(record.publicKey().serialize()), signature: Buffer.from(record.signature()) };
  };

  describe('claimBundleKeys', () => {
    it('hands out each one-time key once, oldest first, then only the last-resort Kyber key', async () => {
      const { alice } = await aliceAndBob();
      for (let i = 0; i < 3; i++) expect(await claimIds(alice)).toEqual([alice.preKeyIds[i], alice.pqPreKeyIds[i]]);
      const [spent] = await claim(alice);
      expect(spent).toMatchObject({ ec_key_id: null, ec_public_key: null, pq_key_id: null, pq_public_key: null, pq_signature: null });
      expect(spent).toMatchObject({
        pq_last_resort_id: alice.pqLastResortId,
        registration_id: alice.registrationId,
        identity_key: alice.identityKey,
      });
      expect(spent.pq_last_resort_key).toEqual(Buffer.from(alice.keys.pqLastResortPreKey.publicKey().serialize()));
      expect(await keys.countOneTimeKeys(alice.accountId, alice.deviceId)).toEqual({ preKeys: 0, pqPreKeys: 0 });
    });

    it('orders by upload, not by key id', async () => {
      const alice = await ctx.newDevice(await ctx.newAccount(), { oneTimeKeys: 0 });
      const [first, second] = generatePreKeys(1, 2).map((k) => ({ keyId: k.id(), publicKey: Buffer.from(k.publicKey().serialize()) }));
      await keys.insertOneTimePreKeys(alice.accountId, alice.deviceId, [{ ...first, keyId: 50 }]);
      await keys.insertOneTimePreKeys(alice.accountId, alice.deviceId, [{ ...second, keyId: 7 }]);
      expect((await claimIds(alice))[0]).toBe(50);
      expect((await claimIds(alice))[0]).toBe(7);
    });

    it('returns the key material that was stored', async () => {
      const { alice } = await aliceAndBob(1);
      const [row] = await claim(alice);
      expect(row.ec_public_key).toEqual(Buffer.from(alice.keys.preKeys[0].publicKey().serialize()));
      expect(row.pq_public_key).toEqual(Buffer.from(alice.keys.pqPreKeys[0].publicKey().serialize()));
      expect(row.pq_signature).toEqual(Buffer.from(alice.keys.pqPreKeys[0].signature()));
      expect(row.signed_prekey_id).toBe(alice.signedPreKeyId);
    });

    it('takes one key from every device of the user, or from the one asked for', async () => {
      const { alice } = await aliceAndBob(2);
      const two = await ctx.newDevice(alice.account, { oneTimeKeys: 2 });
      expect((await claim(alice, null)).map((r) => [r.device_id, r.ec_key_id])).toEqual([
        [1, 1],
        [2, 1],
      ]);
      expect((await claim(two)).map((r) => [r.device_id, r.ec_key_id])).toEqual([[2, 2]]);
      expect(await keys.countOneTimeKeys(alice.accountId, 1)).toEqual({ preKeys: 1, pqPreKeys: 1 });
      expect(await claim(alice, 9)).toEqual([]);
    });

    it('never takes another account’s keys, even of a device with the same id', async () => {
      const { alice, bob } = await aliceAndBob();
      expect((await claim(alice)).map((r) => r.account_id)).toEqual([alice.accountId]);
      expect(await keys.countOneTimeKeys(bob.accountId, bob.deviceId)).toEqual({ preKeys: 3, pqPreKeys: 3 });
    });

    it('reports the counts before the claim, up to the bound', async () => {
      const { alice } = await aliceAndBob(3);
      // count(*) is a bigint: a string from node-postgres, a number from PGlite.
      const before = (bound: number) =>
        keys.claimBundleKeys(alice.username, alice.deviceId, bound).then(([r]) => [Number(r.ec_before), Number(r.pq_before)]);
      expect(await before(2)).toEqual([2, 2]);
      expect(await before(10)).toEqual([2, 2]);
      expect(await before(10)).toEqual([1, 1]);
    });

    it('gives each key to one of many concurrent claims', async () => {
      const { alice } = await aliceAndBob(4);
      const rows = (await Promise.all(Array.from({ length: 8 }, () => claim(alice)))).flat();
      const taken = (ids: (number | null)[]) => ids.filter((id) => id !== null).sort((a, b) => a - b);
      expect(taken(rows.map((r) => r.ec_key_id))).toEqual(alice.preKeyIds);
      expect(taken(rows.map((r) => r.pq_key_id))).toEqual(alice.pqPreKeyIds);
    });
  });

  it('refuses a one-time key id the device already has, but not one another account’s device has', async () => {
    const { alice, bob } = await aliceAndBob(1);
    const again = { keyId: alice.preKeyIds[0], publicKey: Buffer.from(alice.keys.preKeys[0].publicKey().serialize()) };
    await expect(keys.insertOneTimePreKeys(alice.accountId, alice.deviceId, [again])).rejects.toMatchObject({ code: '23505' });
    await expect(
      keys.insertOneTimeKyberPreKeys(alice.accountId, alice.deviceId, [signed(alice, alice.pqPreKeyIds[0], 'kyber')]),
    ).rejects.toMatchObject({ code: '23505' });
    await keys.insertOneTimePreKeys(bob.accountId, bob.deviceId, [{ ...again, keyId: 99 }]);
    await keys.insertOneTimeKyberPreKeys(bob.accountId, bob.deviceId, [signed(bob, 99, 'kyber')]);
    await keys.insertOneTimePreKeys(alice.accountId, alice.deviceId, [{ ...again, keyId: 99 }]);
    expect(await keys.countOneTimeKeys(alice.accountId, alice.deviceId)).toEqual({ preKeys: 2, pqPreKeys: 1 });
  });

  it('sees a Kyber id clash with the device’s own last-resort key only', async () => {
    const { alice, bob } = await aliceAndBob(1);
    expect(await keys.kyberIdClashesWithLastResort(alice.accountId, alice.deviceId)).toBe(false);
    await keys.insertOneTimeKyberPreKeys(bob.accountId, bob.deviceId, [signed(bob, bob.pqLastResortId + 100, 'kyber')]);
    await keys.replaceLastResortKyberPreKey(alice.accountId, alice.deviceId, signed(alice, bob.pqLastResortId + 100, 'kyber'));
    expect(await keys.kyberIdClashesWithLastResort(alice.accountId, alice.deviceId)).toBe(false);
    expect(await keys.kyberIdClashesWithLastResort(bob.accountId, bob.deviceId)).toBe(false);
    await keys.replaceLastResortKyberPreKey(alice.accountId, alice.deviceId, signed(alice, alice.pqPreKeyIds[0], 'kyber'));
    expect(await keys.kyberIdClashesWithLastResort(alice.accountId, alice.deviceId)).toBe(true);
  });

  it('replaces the signed and last-resort keys of the given account’s device only', async () => {
    const { alice, bob } = await aliceAndBob(0);
    await keys.replaceSignedPreKey(alice.accountId, alice.deviceId, signed(alice, 5, 'ec'));
    await keys.replaceLastResortKyberPreKey(alice.accountId, alice.deviceId, signed(alice, 6, 'kyber'));
    const ids = (d: MediumDevice) => claim(d).then(([r]) => [r.signed_prekey_id, r.pq_last_resort_id]);
    expect(await ids(alice)).toEqual([5, 6]);
    expect(await ids(bob)).toEqual([bob.signedPreKeyId, bob.pqLastResortId]);
  });

  it('counts one device’s one-time keys, and tells when either kind runs below a threshold', async () => {
    const { alice, bob } = await aliceAndBob(3);
    await claim(bob); // bob: 2 and 2, alice untouched
    expect(await keys.countOneTimeKeys(alice.accountId, alice.deviceId)).toEqual({ preKeys: 3, pqPreKeys: 3 });
    expect(await keys.hasFewerOneTimeKeysThan(alice.accountId, alice.deviceId, 3)).toBe(false);
    expect(await keys.hasFewerOneTimeKeysThan(alice.accountId, alice.deviceId, 4)).toBe(true);
    expect(await keys.hasFewerOneTimeKeysThan(bob.accountId, bob.deviceId, 3)).toBe(true);
    await keys.insertOneTimePreKeys(
      alice.accountId,
      alice.deviceId,
      generatePreKeys(10, 5).map((k) => ({ keyId: k.id(), publicKey: Buffer.from(k.publicKey().serialize()) })),
    );
    expect(await keys.hasFewerOneTimeKeysThan(alice.accountId, alice.deviceId, 4)).toBe(true); // Kyber is still at 3
    expect(await keys.countOneTimeKeys(alice.accountId, 2)).toEqual({ preKeys: 0, pqPreKeys: 0 });
    expect(await keys.hasFewerOneTimeKeysThan(alice.accountId, 2, 1)).toBe(true);
  });

  it('finds the identity key of the given account’s device only', async () => {
    const { alice, bob } = await aliceAndBob(0);
    const aliceTwo = await ctx.newDevice(alice.account, { oneTimeKeys: 0 });
    expect(await keys.findIdentityKey(alice.accountId, alice.deviceId)).toEqual(alice.identityKey);
    expect(await keys.findIdentityKey(bob.accountId, bob.deviceId)).toEqual(bob.identityKey);
    expect(await keys.findIdentityKey(bob.accountId, aliceTwo.deviceId)).toBeNull();
  });
});
