import { AccountsRepository } from '../../apps/server/src/accounts/accounts.repository';
import { DevicesRepository } from '../../apps/server/src/devices/devices.repository';
import { uniqueUsername, useMediumContext } from './medium-context';

describe('AccountsRepository (medium)', () => {
  const ctx = useMediumContext();
  let accounts: AccountsRepository;
  beforeAll(() => {
    accounts = new AccountsRepository(ctx.db);
  });

  const nextDeviceId = (accountId: string) => ctx.db.transaction((tx) => accounts.takeNextDeviceId(accountId, tx));

  it('stores an account and finds it by its exact username', async () => {
    const username = uniqueUsername();
    const created = await accounts.insertAccount(username, 'hash');
    expect(created).toEqual({ id: expect.any(String), username, password_hash: 'hash' });
    expect(await accounts.findByUsername(username)).toEqual(created);
    expect(await accounts.findByUsername(username.toUpperCase())).toBeNull();
    expect(await accounts.findByUsername(uniqueUsername())).toBeNull();
  });

  it('gives a username to one account only, even to concurrent registrations', async () => {
    const username = uniqueUsername();
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => accounts.insertAccount(username, `hash${i}`)));
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    expect(await ctx.db.one('SELECT count(*)::int AS n FROM accounts WHERE username = $1', [username])).toEqual({ n: 1 });
  });

  it('numbers each account’s devices from 1 on its own counter', async () => {
    const [alice, bob] = [await ctx.newAccount(), await ctx.newAccount()];
    expect(await nextDeviceId(alice.id)).toBe(1);
    expect(await nextDeviceId(alice.id)).toBe(2);
    expect(await nextDeviceId(bob.id)).toBe(1); // another account's counter is untouched
  });

  it('never reuses a device id, not even of a removed device', async () => {
    const alice = await ctx.newAccount();
    const first = await ctx.newDevice(alice, { oneTimeKeys: 0 });
    await ctx.db.transaction((tx) => new DevicesRepository(ctx.db).deleteDevice(alice.id, first.deviceId, tx));
    expect((await ctx.newDevice(alice, { oneTimeKeys: 0 })).deviceId).toBe(first.deviceId + 1);
  });
});
