import { startServer, TestServer } from '../../../test/support/server';
import { CliDevice, cliEnv, tempHome } from './cli-runner';

/**
 * Two people with two devices each, driven only through `parley` processes
 * against a real server, with real libsignal. The steps build on each other
 * the way a conversation does, so they run in order.
 */
describe('parley CLI end to end', () => {
  let server: TestServer;
  let home: ReturnType<typeof tempHome>;
  let alice1: CliDevice, alice2: CliDevice, bob1: CliDevice, bob2: CliDevice;
  const texts = (messages: any[]) => messages.map((m) => m.text);

  beforeAll(async () => {
    server = await startServer();
    home = tempHome();
    const env = cliEnv(home.home, server.url);
    [alice1, alice2, bob1, bob2] = ['alice1', 'alice2', 'bob1', 'bob2'].map((p) => new CliDevice(p, env));
  });
  afterAll(async () => {
    await server?.stop();
    home?.remove();
  });

  it('registers alice and bob and links a second device for each', async () => {
    expect(await alice1.json('register', 'alice', '--name', 'alice laptop')).toMatchObject({ username: 'alice', deviceId: 1 });
    // `link` shows a code and waits; the first device approves it with `link approve <code>`.
    const linked = await alice2.link('alice', alice1, '--name', 'alice phone');
    expect(linked).toMatchObject({ username: 'alice', deviceId: 2, address: 'alice@localhost' });
    await bob1.json('register', 'bob');
    await bob2.link('bob', bob1);
    const { devices, deviceList } = await alice2.json('devices');
    expect(devices.map((d: any) => d.name).sort()).toEqual(['alice laptop', 'alice phone']);
    expect(deviceList).toMatchObject({ address: 'alice@localhost', version: 2, devices: [{ deviceId: 1 }, { deviceId: 2 }] });
  });

  it('refuses a malformed linking code', async () => {
    const bad = await alice1.run('link', 'approve', 'not-a-code');
    expect([bad.code, bad.stderr.trim()]).toEqual([2, 'parley: that is not a linking code (copy it whole from `parley link`)']);
  });

  it('logs a device in again with its identity key, no password needed', async () => {
    const env = { ...cliEnv(home.home, server.url), PARLEY_PASSWORD: '' };
    expect(await new CliDevice('alice1', env).json('login')).toEqual({ username: 'alice', deviceId: 1 });
    expect((await alice1.json('devices')).thisDevice).toBe(1);
  });

  it('delivers a message to every device of the recipient and a copy to the sender’s other device', async () => {
    const report = await alice1.json('send', 'bob', 'hello bob');
    expect(report.devices).toHaveLength(2);
    expect(report.syncedDevices).toHaveLength(1);

    for (const bob of [bob1, bob2]) {
      const [message, ...rest] = await bob.inbox();
      expect(rest).toEqual([]);
      expect(message).toMatchObject({ kind: 'message', from: 'alice', fromDeviceId: 1, outgoing: false, text: 'hello bob' });
    }
    expect(await alice2.inbox()).toEqual([
      expect.objectContaining({ from: 'alice', fromDeviceId: 1, outgoing: true, conversation: 'bob', text: 'hello bob' }),
    ]);
    // Acknowledged messages are gone.
    expect(await bob1.inbox()).toEqual([]);
  });

  it('carries replies both ways on the ratchet, from and to any device', async () => {
    await bob2.json('send', 'alice', 'hi alice');
    await alice2.json('send', 'bob', 'from my phone');
    await bob1.json('send', 'alice', 'both arrived');

    expect(texts(await alice1.inbox())).toEqual(['hi alice', 'from my phone', 'both arrived']);
    const onBob1 = await bob1.inbox();
    expect(onBob1.map((m) => [m.from, m.fromDeviceId > 1, m.text])).toEqual([
      ['bob', true, 'hi alice'],
      ['alice', true, 'from my phone'],
    ]);
    expect(onBob1[0]).toMatchObject({ outgoing: true, conversation: 'alice' });
  });

  it('shows one account safety number on every device of both accounts, and marks it verified', async () => {
    const fromAlice = await alice1.json('fingerprint', 'bob');
    expect(fromAlice).toMatchObject({ address: 'bob@localhost', verified: false, listVersion: 2, devices: [1, 2] });
    expect(fromAlice.safetyNumber).toMatch(/^(\d{5} ){11}\d{5}$/);
    for (const [device, peer] of [
      [alice2, 'bob'],
      [bob1, 'alice'],
      [bob2, 'alice'],
    ] as const) {
      expect((await device.json('fingerprint', peer)).safetyNumber).toBe(fromAlice.safetyNumber);
    }
    const verified = await bob1.json('verify', 'alice', '--confirm');
    expect(verified).toEqual({ address: 'alice@localhost', safetyNumber: fromAlice.safetyNumber, verified: true });
    expect((await bob1.json('fingerprint', 'alice')).verified).toBe(true);
    // Without --confirm and without a terminal to ask, verify only shows the number.
    expect(await alice1.json('verify', 'bob')).toMatchObject({ safetyNumber: fromAlice.safetyNumber, verified: false });
  });

  it('after a device is removed, retries once the server answers 409 and reaches the rest', async () => {
    const bob2Id = (await bob2.json('devices')).thisDevice;
    await bob1.json('devices', 'remove', String(bob2Id));
    const removed = await bob2.run('inbox');
    expect(removed.code).toBe(8);
    expect(removed.stderr).toMatch(new RegExp(`this device \\(${bob2Id}\\) was removed from bob's account`));

    // alice1 still has a session with the removed device: the server refuses the list (409 extra).
    const report = await alice1.json('send', 'bob', 'only one bob left');
    expect(report.devices).toEqual([1]);
    expect(texts(await bob1.inbox())).toEqual(['only one bob left']);
  });

  it('starts a session transparently when the contact adds a device (409 missing)', async () => {
    const bob3 = new CliDevice('bob3', cliEnv(home.home, server.url));
    const { deviceId } = await bob3.link('bob', bob1);
    const report = await alice1.json('send', 'bob', 'welcome new device');
    expect(report.devices.sort()).toEqual([1, deviceId].sort());
    // Alice is told what bob's newly signed list changed since she last checked it.
    expect(report.deviceChanges).toEqual([{ address: 'bob@localhost', added: [deviceId], removed: [2] }]);
    expect(await bob3.inbox()).toEqual([expect.objectContaining({ from: 'alice', fromDeviceId: 1, text: 'welcome new device' })]);
    // alice2 last sent before the removal: one 409 names both the removed device (extra) and
    // the new one (missing). Device ids are never reused, so a 410 cannot be provoked here.
    const fromPhone = await alice2.json('send', 'bob', 'phone says hi');
    expect(fromPhone.devices.sort()).toEqual([1, deviceId].sort());
    expect(texts(await bob3.inbox())).toEqual(['phone says hi']);
  });

  it('lets an offline device catch up on everything, in order', async () => {
    // alice2 has not read since the replies step: it was offline for all of this.
    const messages = await alice2.inbox();
    expect(messages.map((m) => [m.outgoing ? 'copy' : m.from, m.text])).toEqual([
      ['bob', 'hi alice'],
      ['bob', 'both arrived'],
      ['copy', 'only one bob left'],
      ['copy', 'welcome new device'],
    ]);
    expect(await alice2.inbox()).toEqual([]);
  });

  it('reports and replenishes one-time prekeys', async () => {
    const before = await bob1.json('keys');
    expect(before.server.preKeys).toBeLessThan(50);
    const { added } = await bob1.json('keys', 'replenish');
    expect(added.preKeys).toBe(50 - before.server.preKeys);
    expect((await bob1.json('keys')).server).toEqual({ preKeys: 50, pqPreKeys: 50 });
    const rotated = await bob1.json('keys', 'rotate');
    await alice1.json('send', 'bob', 'after rotation');
    expect(texts(await bob1.inbox())).toEqual(['welcome new device', 'phone says hi', 'after rotation']);
    expect(rotated.signedPreKeyId).toBe(2);
  });

  it('fails clearly: wrong passphrase, unknown user, taken name, bad arguments', async () => {
    const env = { ...cliEnv(home.home, server.url), PARLEY_PASSPHRASE: 'not it' };
    const wrong = await new CliDevice('alice1', env).run('inbox');
    expect([wrong.code, wrong.stderr.trim()]).toEqual([4, 'parley: wrong passphrase for this profile']);

    const unknown = await alice1.run('send', 'nobody', 'hello?');
    expect([unknown.code, unknown.stderr.trim()]).toEqual([3, 'parley: no user nobody on this server']);

    const taken = await new CliDevice('other', cliEnv(home.home, server.url)).run('register', 'alice');
    expect([taken.code, taken.stderr.trim()]).toEqual([5, 'parley: that username is taken']);

    const usage = await alice1.run('send', 'Not A Name!', 'x');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/expected a username/);
  });
});
