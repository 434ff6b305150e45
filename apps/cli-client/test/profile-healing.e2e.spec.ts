import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeviceStore } from '@parley/crypto';
import { ParleyClient } from '@parley/protocol';
import { startServer, TestServer } from '../../../test/support/server';
import { PathPrefixProxy } from '../../../libs/protocol/test/path-prefix-proxy';
import { CliDevice, PASSPHRASE, cliEnv, tempHome } from './cli-runner';

/**
 * Profiles that look after themselves: refused tokens are renewed by a
 * device login, a removed device says so and can be forgotten, and a
 * --server is kept only once it worked, path and all.
 */
describe('parley profiles', () => {
  let server: TestServer;
  let proxy: PathPrefixProxy;
  let home: ReturnType<typeof tempHome>;
  let env: Record<string, string>;
  let alice1: CliDevice, alice2: CliDevice;

  beforeAll(async () => {
    server = await startServer();
    proxy = await PathPrefixProxy.start(server.url);
    home = tempHome();
    // No PARLEY_SERVER: each profile's stored server is what these tests watch.
    const { PARLEY_SERVER: _, ...rest } = cliEnv(home.home, server.url);
    env = rest;
    [alice1, alice2] = ['alice1', 'alice2'].map((p) => new CliDevice(p, env));
    await alice1.json('--server', server.url, 'register', 'alice', '--name', 'alice laptop');
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.stop();
    home?.remove();
  });

  /** Logs the profile's device out behind its back, as an expired or revoked refresh token would leave it. */
  async function revokeTokens(profile: string): Promise<void> {
    const store = await DeviceStore.open<{ server: string; tokens: any }>(join(home.home, profile, 'device.parley'), PASSPHRASE);
    await new ParleyClient(store.profile.server, store.profile.tokens).logout();
  }

  it('logs a device in again by itself when its refresh token is refused, and keeps the new tokens', async () => {
    await revokeTokens('alice1');
    expect((await alice1.json('devices')).thisDevice).toBe(1);
    expect((await alice1.json('keys')).server).toBeDefined();
  });

  it('tells who this profile is without asking the server', async () => {
    const me = await alice1.json('whoami');
    expect(me).toMatchObject({
      username: 'alice',
      address: 'alice@localhost',
      deviceId: 1,
      deviceName: 'alice laptop',
      server: server.url,
      profile: join(home.home, 'alice1'),
    });
    expect(me.accountFingerprint).toMatch(/^(\d{5} ){5}\d{5}$/);

    // Even while another process holds the profile (a `chat`, say).
    const lock = join(home.home, 'alice1', 'lock');
    writeFileSync(lock, String(process.pid));
    try {
      expect((await alice1.json('whoami')).deviceId).toBe(1);
    } finally {
      rmSync(lock);
    }
  });

  it('keeps a --server only once a command succeeded with it, and accepts one with a path', async () => {
    const unreachable = await alice1.run('--server', 'http://127.0.0.1:9', 'devices');
    expect(unreachable.code).toBe(6);
    expect((await alice1.json('whoami')).server).toBe(server.url);
    await alice1.json('--server', proxy.url, 'devices');
    expect((await alice1.json('whoami')).server).toBe(proxy.url);
    expect((await alice1.json('devices')).thisDevice).toBe(1);
  });

  it('says plainly that a removed device was removed, and `unlink` forgets it', async () => {
    await alice2.link('alice', alice1, '--server', server.url, '--name', 'alice phone');
    await alice1.json('devices', 'remove', '2');
    const removed = await alice2.run('devices');
    expect([removed.code, removed.stderr.trim()]).toEqual([
      8,
      "parley: this device (2) was removed from alice's account; `parley --profile alice2 unlink` forgets it here, " +
        'then `parley --profile alice2 link alice` adds it again or `parley --profile alice2 reset alice` starts the account over',
    ]);

    const unconfirmed = await alice2.run('unlink');
    expect(unconfirmed.code).toBe(2);
    expect(existsSync(join(home.home, 'alice2'))).toBe(true);
    expect(await alice2.json('unlink', '--yes')).toEqual({ unlinked: join(home.home, 'alice2') });
    expect(existsSync(join(home.home, 'alice2'))).toBe(false);
    expect((await alice2.run('whoami')).code).toBe(3);
  });

  it('lists the profiles under PARLEY_HOME, with details for those this passphrase opens', async () => {
    const bob = new CliDevice('bob', { ...env, PARLEY_PASSPHRASE: 'another passphrase' });
    await bob.json('--server', server.url, 'register', 'bob');
    const listed = await alice1.json('profiles');
    expect(listed.profiles).toEqual([
      expect.objectContaining({
        profile: 'alice1',
        selected: true,
        device: expect.objectContaining({ address: 'alice@localhost', deviceId: 1 }),
      }),
      { profile: 'bob', dir: join(home.home, 'bob'), selected: false },
    ]);
    const { PARLEY_PASSPHRASE: _, ...noPassphrase } = env;
    const unopened = await new CliDevice('alice1', noPassphrase).run('profiles');
    expect(unopened.stdout).toBe(
      '* alice1           (set PARLEY_PASSPHRASE to see its device)\n  bob              (set PARLEY_PASSPHRASE to see its device)\n',
    );
    const human = await alice1.run('profiles');
    expect(human.stdout).toMatch(
      /^\* alice1 +alice@localhost device 1 "alice laptop" on http:\/\/127\.0\.0\.1:\d+\/parley\n {2}bob +\(another passphrase\)\n$/,
    );
  });
});
