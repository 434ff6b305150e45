import { randomBytes } from 'node:crypto';
import { DevicesRepository } from '../../apps/server/src/devices/devices.repository';
import { MediumDevice, useMediumContext } from './medium-context';

describe('DevicesRepository (medium)', () => {
  const ctx = useMediumContext();
  let devices: DevicesRepository;
  beforeAll(() => {
    devices = new DevicesRepository(ctx.db);
  });

  const aliceAndBob = (aliceDevices = 1) => ctx.aliceAndBob({ aliceDevices });
  const remove = (accountId: string, deviceId: number) => ctx.db.transaction((tx) => devices.deleteDevice(accountId, deviceId, tx));
  const lastSeen = (d: MediumDevice) =>
    ctx.db.one<{ last_seen_at: Date | null }>('SELECT last_seen_at FROM devices WHERE account_id = $1 AND device_id = $2', [
      d.accountId,
      d.deviceId,
    ]);
  const rowsOf = (table: string, d: MediumDevice) =>
    ctx.db.one<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE account_id = $1 AND device_id = $2`, [
      d.accountId,
      d.deviceId,
    ]);

  it('lists an account’s own devices in id order, never another account’s', async () => {
    const {
      aliceDevices: [one, two],
      bob,
    } = await aliceAndBob(2);
    expect((await devices.listDevices(one.accountId)).map((d) => [d.deviceId, d.registrationId])).toEqual([
      [1, one.registrationId],
      [2, two.registrationId],
    ]);
    expect(await devices.listRegistrations(one.accountId)).toEqual([
      { deviceId: 1, registrationId: one.registrationId },
      { deviceId: 2, registrationId: two.registrationId },
    ]);
    expect(await devices.listRegistrations(bob.accountId)).toEqual([{ deviceId: 1, registrationId: bob.registrationId }]);
    expect((await devices.listRegistrations(one.accountId)).length).toBe(2);
    expect((await devices.listRegistrations(bob.accountId)).length).toBe(1);
  });

  it('reports creation and last-seen times as UTC ISO strings', async () => {
    const { alice } = await aliceAndBob();
    const [listed] = await devices.listDevices(alice.accountId);
    expect(listed).toEqual({
      deviceId: 1,
      name: 'medium device',
      registrationId: alice.registrationId,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      lastSeenAt: null,
    });
    expect(Math.abs(Date.parse(listed.createdAt) - Date.now())).toBeLessThan(60_000);
  });

  it('deletes a device once, with its keys, challenges and sessions, and leaves another account’s device of the same id', async () => {
    const {
      aliceDevices: [alice, aliceTwo],
      bob,
    } = await aliceAndBob(2);
    await devices.insertChallenge(randomBytes(32), alice.accountId, alice.deviceId, 60);
    await ctx.db.execute(
      `INSERT INTO sessions (id, account_id, device_id, refresh_hash, expires_at)
      VALUES (gen_random_uuid(), $1, $2, '\\x00', now() + interval '1 hour')`,
      [alice.accountId, alice.deviceId],
    );
    expect(await remove(bob.accountId, aliceTwo.deviceId)).toBe(false); // bob has no device 2: alice's stays
    expect((await devices.listRegistrations(alice.accountId)).length).toBe(2);
    expect(await remove(alice.accountId, alice.deviceId)).toBe(true);
    expect(await remove(alice.accountId, alice.deviceId)).toBe(false);
    for (const table of ['devices', 'one_time_prekeys', 'kyber_prekeys', 'auth_challenges', 'sessions']) {
      expect([table, await rowsOf(table, alice)]).toEqual([table, { n: 0 }]);
    }
    expect((await devices.listRegistrations(bob.accountId)).length).toBe(1);
    expect(await rowsOf('one_time_prekeys', bob)).toEqual({ n: 3 });
  });

  it('marks only the given account’s device as seen', async () => {
    const { alice, bob } = await aliceAndBob();
    await devices.touchLastSeen(alice.accountId, alice.deviceId);
    expect((await lastSeen(alice))!.last_seen_at).toBeInstanceOf(Date);
    expect((await lastSeen(bob))!.last_seen_at).toBeNull();
  });

  describe('device-login challenges', () => {
    it('consumes a challenge once and returns the device’s identity key', async () => {
      const { alice } = await aliceAndBob();
      const challenge = randomBytes(32);
      await devices.insertChallenge(challenge, alice.accountId, alice.deviceId, 60);
      expect(await devices.consumeChallenge(challenge, alice.accountId, alice.deviceId)).toEqual(alice.identityKey);
      expect(await devices.consumeChallenge(challenge, alice.accountId, alice.deviceId)).toBeNull();
    });

    it('refuses a challenge presented for another account’s device or another device, without using it up', async () => {
      const {
        aliceDevices: [one, two],
        bob,
      } = await aliceAndBob(2);
      const challenge = randomBytes(32);
      await devices.insertChallenge(challenge, one.accountId, one.deviceId, 60);
      expect(await devices.consumeChallenge(challenge, bob.accountId, one.deviceId)).toBeNull();
      expect(await devices.consumeChallenge(challenge, two.accountId, two.deviceId)).toBeNull();
      expect(await devices.consumeChallenge(challenge, one.accountId, one.deviceId)).toEqual(one.identityKey);
    });

    it('refuses an expired challenge', async () => {
      const { alice } = await aliceAndBob();
      const challenge = randomBytes(32);
      await devices.insertChallenge(challenge, alice.accountId, alice.deviceId, -1);
      expect(await devices.consumeChallenge(challenge, alice.accountId, alice.deviceId)).toBeNull();
    });

    it('lets only one of concurrent logins consume a challenge', async () => {
      const { alice } = await aliceAndBob();
      const challenge = randomBytes(32);
      await devices.insertChallenge(challenge, alice.accountId, alice.deviceId, 60);
      const results = await Promise.all(
        Array.from({ length: 5 }, () => devices.consumeChallenge(challenge, alice.accountId, alice.deviceId)),
      );
      expect(results.filter((r) => r !== null)).toHaveLength(1);
    });
  });
});
