import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { newRecoveryKey } from '@parley/crypto';
import type { TestServer } from '../../../test/support/server';
import { HttpRewriteProxy } from '../../../test/support/http-proxy';
import { storePath } from '../src/profile/profile-location';
import { CliDevice, cliEnv, tempHome, useServerBehindProxy } from './cli-runner';

/**
 * `parley backup` and `parley restore` (docs/API.md section 10): alice
 * backs up, loses her only device, and comes back on a new one with her
 * recovery key; bob sees a new device of the identity he pinned, not an
 * identity change, and they keep chatting. A wrong key (a password holder
 * without the recovery key) and a backup the server changed restore
 * nothing. The steps build on each other and run in order.
 */
describe('parley backup and parley restore', () => {
  let server: TestServer;
  let proxy: HttpRewriteProxy;
  let home: ReturnType<typeof tempHome>;
  let env: Record<string, string>;
  let alice: CliDevice, bob: CliDevice;
  let recoveryKey: string;
  const PIN = '482916';
  /** `parley restore alice` into the wiped profile, with this recovery key, through the proxy when `viaProxy`. */
  const restore = (key: string, viaProxy = false) =>
    new CliDevice('alice', { ...cliEnv(home.home, viaProxy ? proxy.url : server.url), PARLEY_RECOVERY_KEY: key }).run(
      '--json',
      'restore',
      'alice',
    );
  const aliceList = async () => (await bob.json('verify', 'alice')).safetyNumber as string;
  /** `contacts` and `history` print one JSON document per line. */
  const jsonLines = async (device: CliDevice, ...args: string[]) => {
    const { stdout } = await device.run('--json', ...args);
    return stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
  };

  const world = useServerBehindProxy();
  beforeAll(async () => {
    ({ server, proxy, home } = world);
    env = cliEnv(home.home, server.url);
    [alice, bob] = ['alice', 'bob'].map((p) => new CliDevice(p, env));
    await alice.json('register', 'alice');
    await bob.json('register', 'bob');
  });

  it('backs up: the first run shows a new recovery key once, later runs replace the backup with the same key', async () => {
    await alice.json('send', 'bob', 'hello bob');
    expect((await bob.inbox()).map((m) => m.text)).toEqual(['hello bob']);
    await bob.json('send', 'alice', 'hello alice');
    await alice.inbox();
    await alice.json('verify', 'bob', '--confirm');
    await bob.json('verify', 'alice', '--confirm');

    const first = await alice.json('backup');
    expect(first).toMatchObject({ version: 1, contacts: 2, backupId: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(first.recoveryKey).toMatch(/^[a-z0-9]{64}$/);
    recoveryKey = first.recoveryKey;
    const shown = await alice.run('backup', '--history');
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^backed up 2 contacts and message history \(\d+ bytes, version 2\)$/m);
    expect(shown.stdout).not.toContain(recoveryKey.slice(0, 4));
    const again = await alice.json('backup', '--history');
    expect(again).toMatchObject({ version: 3, backupId: first.backupId });
    expect(again.recoveryKey).toBeUndefined();
    process.stdout.write(`backup of 2 contacts: ${first.bytes} bytes; with a 2-message history: ${again.bytes} bytes\n`);
  });

  it('alice loses her only device: the profile is gone', async () => {
    rmSync(join(home.home, 'alice'), { recursive: true, force: true });
    expect((await alice.run('whoami')).code).toBe(3);
  });

  it('refuses a recovery key that is not one, before asking the server anything', async () => {
    const result = await restore('not a recovery key');
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stderr)).toMatchObject({ error: 'usage', message: expect.stringMatching(/^that is not a recovery key/) });
  });

  it('refuses a password holder with another recovery key: no backup, no device, the identity untouched', async () => {
    const before = await aliceList();
    const result = await restore(newRecoveryKey());
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stderr).message).toBe('there is no backup for that recovery key on this server: check the key, and --server');
    expect(existsSync(storePath(join(home.home, 'alice')))).toBe(false);
    expect(await aliceList()).toBe(before);
    expect((await bob.json('send', 'alice', 'still only device 1')).devices).toEqual([1]);
  });

  it('refuses a backup the server changed (AEAD): nothing restored', async () => {
    proxy.forgery.rewrite = (r, body) => {
      if (r.method !== 'GET' || !r.path.startsWith('/v1/backups/')) return body;
      const bytes = Buffer.from(body.ciphertext, 'base64');
      bytes[bytes.length - 20] ^= 1;
      return { ...body, ciphertext: bytes.toString('base64') };
    };
    const result = await restore(recoveryKey, true);
    expect(result.code).toBe(7);
    expect(JSON.parse(result.stderr).message).toBe(
      'the backup does not decrypt with this key: it was changed after it was made; nothing was restored',
    );
    expect((await bob.json('send', 'alice', 'still only device 1, again')).devices).toEqual([1]);
  });

  it('restores alice with her recovery key: the same identity, her contacts, history and verified marks; the lost device removed', async () => {
    const safetyNumber = await aliceList();
    const started = performance.now();
    const result = await restore(recoveryKey);
    const elapsed = performance.now() - started;
    expect([result.code, result.stderr]).toEqual([0, expect.any(String)]);
    expect(JSON.parse(result.stdout)).toMatchObject({ username: 'alice', deviceId: 2, address: 'alice@localhost', removedDevices: [1] });
    process.stdout.write(`parley restore (fetch, open, register, remove the lost device; one CLI process): ${elapsed.toFixed(0)} ms\n`);

    expect(await jsonLines(alice, 'contacts')).toContainEqual(
      expect.objectContaining({ address: 'bob@localhost', verified: true, request: false, identityChanged: false }),
    );
    expect((await jsonLines(alice, 'history', 'bob')).map((m) => m.text)).toEqual(['hello bob', 'hello alice']);
    expect(await aliceList()).toBe(safetyNumber);
  });

  it('bob sees a new device of alice, not an identity change, and they keep chatting both ways', async () => {
    const sent = await bob.json('send', 'alice', 'welcome back');
    expect(sent.devices).toEqual([2]);
    expect(sent.deviceChanges).toEqual([{ address: 'alice@localhost', added: [2], removed: [1] }]);
    expect(await jsonLines(bob, 'contacts')).toContainEqual(
      expect.objectContaining({ address: 'alice@localhost', verified: true, identityChanged: false }),
    );
    const received = await alice.inbox();
    expect(received.map((m) => m.text)).toEqual(['welcome back']);

    const reply = await alice.run('send', 'bob', 'thanks, same me');
    expect(reply.code).toBe(0);
    expect(reply.stderr).not.toMatch(/identity/);
    expect((await bob.inbox()).map((m) => [m.from, m.fromDeviceId, m.text])).toEqual([['alice', 2, 'thanks, same me']]);
  });

  it('the restored device backs up to the same backup with the same key, without showing it again, and sets a PIN', async () => {
    const next = await new CliDevice('alice', { ...env, PARLEY_BACKUP_PIN: PIN }).run('--json', 'backup', '--pin');
    expect(next.stderr).toMatch(/backup PIN set/);
    expect(JSON.parse(next.stdout)).toMatchObject({ version: 4 });
    expect(JSON.parse(next.stdout).recoveryKey).toBeUndefined();
  });

  it('alice loses this device too and restores with her PIN instead of the key; a wrong PIN costs one of 10 guesses', async () => {
    rmSync(join(home.home, 'alice'), { recursive: true, force: true });
    const withPin = (pin: string) => new CliDevice('alice', { ...env, PARLEY_BACKUP_PIN: pin }).run('--json', 'restore', 'alice', '--pin');
    const wrong = await withPin('000000');
    expect(wrong.code).toBe(4);
    expect(JSON.parse(wrong.stderr)).toMatchObject({
      error: 'wrong_pin',
      message: 'wrong PIN: 9 more guesses before the server deletes it',
    });
    const started = performance.now();
    const right = await withPin(PIN);
    process.stdout.write(
      `parley restore --pin (OPAQUE login with argon2id, then as with the key): ${(performance.now() - started).toFixed(0)} ms\n`,
    );
    expect(right.code).toBe(0);
    expect(JSON.parse(right.stdout)).toMatchObject({ deviceId: 3, removedDevices: [2] });
    expect((await alice.json('send', 'bob', 'back again')).devices).toEqual([1]);
    expect((await bob.inbox()).map((m) => [m.fromDeviceId, m.text])).toEqual([[3, 'back again']]);
  });

  it('after a password holder reset the account, the old backup cannot bring the old identity back over the new one', async () => {
    const thief = new CliDevice('thief', env);
    expect(await thief.json('reset', 'alice', '--yes')).toMatchObject({ username: 'alice', deviceId: 4 });
    const again = new CliDevice('alice-again', { ...env, PARLEY_RECOVERY_KEY: recoveryKey });
    const result = await again.run('--json', 'restore', 'alice');
    expect(result.code).toBe(5);
    expect(JSON.parse(result.stderr).message).toBe(
      'alice@localhost no longer has the account identity of this backup (it was reset since): the backup cannot restore it',
    );
    expect((await thief.json('devices')).devices.map((d: { deviceId: number }) => d.deviceId)).toEqual([4]);
  });
});
