import { startServer, TestServer } from '../../../test/support/server';
import { CliDevice, cliEnv, cliMain, tempHome } from './cli-runner';
import { TmuxTerminal } from './tmux-terminal';

/** Sent, delivered, read: each said only when it is true, and typing shown while it happens. */
describe('parley delivery states, receipts and typing', () => {
  let server: TestServer;
  let home: ReturnType<typeof tempHome>;
  let env: Record<string, string>;
  let alice: CliDevice;
  let bob: CliDevice;
  const terminals: TmuxTerminal[] = [];
  const open = (...args: string[]) => {
    const terminal = new TmuxTerminal([process.execPath, cliMain(), ...args], env);
    terminals.push(terminal);
    return terminal;
  };

  beforeAll(async () => {
    server = await startServer();
    home = tempHome();
    env = cliEnv(home.home, server.url);
    alice = new CliDevice('alice', env);
    bob = new CliDevice('bob', env);
    await alice.json('register', 'alice');
    await bob.json('register', 'bob');
  });
  afterEach(async () => {
    await Promise.all(terminals.splice(0).map((t) => t.close()));
  });
  afterAll(async () => {
    await server?.stop();
    home?.remove();
  });

  it('says sent when the server took it, delivered when a device of bob decrypted it', async () => {
    const sent = await alice.run('send', 'bob', 'while bob is offline');
    expect(sent.stdout).toBe('✓ sent to bob (device 1)\n');

    const aliceChat = open('--profile', 'alice', 'chat', 'bob');
    await aliceChat.waitFor(/connected as alice/);
    await bob.inbox();
    await aliceChat.waitFor(/✓✓ delivered to bob \(device 1\): while bob is offline/);
    aliceChat.press('C-d');
    expect(await aliceChat.waitForEnd()).toBe(0);
  });

  it('shows typing and read receipts between two open chats, and no read receipts when turned off', async () => {
    const aliceChat = open('--profile', 'alice', 'chat', 'bob');
    const bobChat = open('--profile', 'bob', 'chat', 'alice');
    await aliceChat.waitFor(/alice → bob>$/m);
    await bobChat.waitFor(/bob → alice>$/m);

    bobChat.type('just a sec');
    await aliceChat.waitFor(/· bob is typing…/);
    bobChat.press('Enter');
    await aliceChat.waitFor(/\] bob \(device 1\): just a sec/);
    await bobChat.waitFor(/✓✓ read by alice \(device 1\): just a sec/);
    expect(aliceChat.screen().match(/bob is typing/g)).toHaveLength(1);

    bobChat.press('C-d');
    expect(await bobChat.waitForEnd()).toBe(0);
    const quietBob = open('--profile', 'bob', 'chat', 'alice', '--no-read-receipts');
    await quietBob.waitFor(/bob → alice>$/m);
    aliceChat.type('read this');
    aliceChat.press('Enter');
    await quietBob.waitFor(/\] alice \(device 1\): read this/);
    await aliceChat.waitFor(/✓✓ delivered to bob \(device 1\): read this/);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(aliceChat.screen()).not.toMatch(/read by bob/);
  });
});
