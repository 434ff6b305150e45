import { startServer, TestServer } from '../../../test/support/server';
import { CliDevice, cliEnv, cliMain, tempHome } from './cli-runner';
import { TcpProxy } from './tcp-proxy';
import { TmuxTerminal } from './tmux-terminal';

/** `parley chat` in a real terminal: what a person sees and types. */
describe('parley chat in a terminal', () => {
  let server: TestServer;
  let home: ReturnType<typeof tempHome>;
  let terminal: TmuxTerminal | undefined;
  let alice: CliDevice;
  let env: Record<string, string>;

  beforeAll(async () => {
    // Every one-time key taken leaves a device "low", so `keys:low` is easy to provoke.
    server = await startServer({ PREKEY_LOW_THRESHOLD: '50' });
    home = tempHome();
    env = cliEnv(home.home, server.url);
    alice = new CliDevice('alice', env);
    const bob = new CliDevice('bob', env);
    await alice.json('register', 'alice');
    await bob.json('register', 'bob');
  });
  afterEach(async () => {
    await terminal?.close();
  });
  afterAll(async () => {
    await server?.stop();
    home?.remove();
  });

  it('shows live messages with sender and device, keeps the input line, acks sends, and exits on Ctrl-D', async () => {
    await alice.json('send', 'bob', 'sent while bob was away');
    terminal = new TmuxTerminal([process.execPath, cliMain(), '--profile', 'bob', 'chat', 'alice'], env);

    // Queued messages arrive first, then the prompt waits for input.
    await terminal.waitFor(/connected as bob \(device 1\)/);
    await terminal.waitFor(/\] alice \(device 1\): sent while bob was away/);
    await terminal.waitFor(/bob → alice>$/m); // tmux trims trailing spaces

    await alice.json('send', 'bob', 'are you there?');
    await terminal.waitFor(/\] alice \(device 1\): are you there\?/);

    // A message arriving mid-sentence is printed above the line being typed, which survives intact.
    terminal.type('yes, I am ');
    await terminal.waitFor(/bob → alice> yes, I am$/m);
    await alice.json('send', 'bob', 'hello?');
    const screen = await terminal.waitFor(/\] alice \(device 1\): hello\?\n.*bob → alice> yes, I am$/m);
    expect(screen).not.toMatch(/yes, I am .*alice \(device 1\)/);

    terminal.type('here');
    terminal.press('Enter');
    await terminal.waitFor(/✓ sent to alice \(device 1\)/);
    expect((await alice.inbox()).map((m) => m.text)).toEqual(['yes, I am here']);

    // What alice typed while bob's chat was open all came through, once each, in order.
    const lines = terminal
      .screen()
      .split('\n')
      .filter((l) => /\] alice \(device 1\):/.test(l));
    expect(lines.map((l) => l.replace(/^\[[\d:]+\] /, ''))).toEqual([
      'alice (device 1): sent while bob was away',
      'alice (device 1): are you there?',
      'alice (device 1): hello?',
    ]);

    terminal.press('C-d');
    expect(await terminal.waitForEnd()).toBe(0);
    // Everything shown was acknowledged: nothing is delivered again.
    expect(await new CliDevice('bob', env).inbox()).toEqual([]);
  });

  it('reconnects by itself when the network drops, and catches up on what it missed', async () => {
    const proxy = await TcpProxy.start(server.port);
    try {
      terminal = new TmuxTerminal([process.execPath, cliMain(), '--profile', 'bob', '--server', proxy.url, 'chat', 'alice'], env);
      await terminal.waitFor(/connected as bob/);

      proxy.disconnect();
      await terminal.waitFor(/disconnected \(.+\); reconnecting…/);
      await alice.json('send', 'bob', 'sent during the outage');
      proxy.reconnect();

      const screen = await terminal.waitFor(/\] alice \(device 1\): sent during the outage/, 20_000);
      expect(screen.match(/connected as bob/g)).toHaveLength(2);
      terminal.type('back online');
      terminal.press('Enter');
      await terminal.waitFor(/✓ sent to alice/);
      expect((await alice.inbox()).map((m) => m.text)).toEqual(['back online']);
    } finally {
      await proxy.close();
    }
  });

  it('says so and exits when its device is removed from another device', async () => {
    const bobPhone = new CliDevice('bob-phone', env);
    const { deviceId } = await bobPhone.link('bob', new CliDevice('bob', env));
    terminal = new TmuxTerminal([process.execPath, cliMain(), '--profile', 'bob-phone', 'chat', 'alice'], env);
    await terminal.waitFor(new RegExp(`connected as bob \\(device ${deviceId}\\)`));

    await new CliDevice('bob', env).json('devices', 'remove', String(deviceId));
    await terminal.waitFor(new RegExp(`this device \\(${deviceId}\\) was removed from bob's account`));
    expect(await terminal.waitForEnd()).toBe(8);
  });

  it('replenishes one-time prekeys when the server reports them low', async () => {
    const carol = new CliDevice('carol', env);
    await carol.json('register', 'carol');
    terminal = new TmuxTerminal([process.execPath, cliMain(), '--profile', 'carol', 'chat', 'alice'], env);
    await terminal.waitFor(/connected as carol/);

    await alice.json('send', 'carol', 'this takes one of your one-time keys');
    await terminal.waitFor(/uploaded 1 EC and 1 Kyber one-time prekeys/);
    // The upload is in the account's audit log, and the open chat hears about it.
    await terminal.waitFor(/· security: device 1 uploaded 1 EC one-time prekey, 1 Kyber one-time prekey/);
    terminal.press('C-d');
    expect(await terminal.waitForEnd()).toBe(0);
    expect((await carol.json('keys')).server).toEqual({ preKeys: 50, pqPreKeys: 50 });
  });
});
