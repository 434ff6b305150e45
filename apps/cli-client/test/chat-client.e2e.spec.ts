import { startServer, TestServer } from '../../../test/support/server';
import { CliDevice, cliEnv, cliMain, tempHome } from './cli-runner';
import { TmuxTerminal } from './tmux-terminal';

/** What makes `parley` a client to live in: commands in chat, message requests, history, contacts. */
describe('parley as an everyday client', () => {
  let server: TestServer;
  let home: ReturnType<typeof tempHome>;
  let env: Record<string, string>;
  let alice: CliDevice;
  let bob: CliDevice;
  let carol: CliDevice;
  let terminal: TmuxTerminal | undefined;
  const texts = (messages: any[]) => messages.map((m) => m.text);

  beforeAll(async () => {
    server = await startServer();
    home = tempHome();
    env = cliEnv(home.home, server.url);
    [alice, bob, carol] = ['alice', 'bob', 'carol'].map((name) => new CliDevice(name, env));
    for (const [device, name] of [
      [alice, 'alice'],
      [bob, 'bob'],
      [carol, 'carol'],
    ] as const)
      await device.json('register', name);
    await alice.json('send', 'bob', 'hi bob');
    await bob.inbox();
  });
  afterEach(async () => {
    await terminal?.close();
  });
  afterAll(async () => {
    await server?.stop();
    home?.remove();
  });

  it('runs chat commands without sending them, keeps strangers out of the conversation, and joins a pasted paragraph', async () => {
    terminal = new TmuxTerminal([process.execPath, cliMain(), '--profile', 'bob', 'chat', 'alice'], env);
    await terminal.waitFor(/bob → alice>$/m);

    terminal.type('/help');
    terminal.press('Enter');
    await terminal.waitFor(/· \/msg <user> <text>/);
    terminal.type('/shrug');
    terminal.press('Enter');
    await terminal.waitFor(/! unknown command \/shrug/);
    terminal.type('//shrug is a message');
    terminal.press('Enter');
    await terminal.waitFor(/✓ sent to alice/);
    expect(texts(await alice.inbox())).toEqual(['/shrug is a message']);

    // A pasted paragraph: its lines arrive together and go out as one message.
    terminal.type('first line of a paste\nsecond line of a paste\n');
    await terminal.waitFor(/(✓ sent to alice[\s\S]*){2}/);
    expect(texts(await alice.inbox())).toEqual(['first line of a paste\nsecond line of a paste']);

    await carol.json('send', 'bob', 'hey, it is carol');
    await terminal.waitFor(/· new message request from carol \(parley history carol\)/);
    expect(terminal.screen()).not.toMatch(/hey, it is carol/);
    terminal.type('/msg carol hi carol, who are you?');
    terminal.press('Enter');
    await terminal.waitFor(/✓ sent to carol \(device 1\)/);
    expect(texts(await carol.inbox())).toEqual(['hi carol, who are you?']);

    terminal.type('/history 2');
    terminal.press('Enter');
    await terminal.waitFor(/you \(device 1\) → alice: \/shrug is a message {2}✓✓ delivered\n.*→ alice: first line of a paste\nsecond line/);

    terminal.type('/fingerprint');
    terminal.press('Enter');
    await terminal.waitFor(
      /· safety number with alice@localhost: (\d{5} ){11}\d{5}\n.*verified: no; once alice sees the same number, type \/verify confirm/,
    );
    terminal.type('/verify confirm');
    terminal.press('Enter');
    await terminal.waitFor(/· alice@localhost is verified/);

    // Ctrl-C clears a typed line and stays; on the empty line it leaves.
    terminal.type('a draft I regret');
    await terminal.waitFor(/bob → alice> a draft I regret$/m);
    terminal.press('C-c');
    await terminal.waitFor(/bob → alice>$/m);
    terminal.press('C-c');
    expect(await terminal.waitForEnd()).toBe(0);
    expect(await alice.inbox()).toEqual([]);
  });

  it('keeps history per conversation with search and delivery states, and lists contacts', async () => {
    const withAlice = await bob.run('history', 'alice@LOCALHOST', '--search', 'PASTE');
    expect(withAlice.stdout).toMatch(
      /^\[[\d:]+\] you \(device 1\) → alice: first line of a paste\nsecond line of a paste {2}✓✓ delivered\n$/,
    );
    expect(await bob.json('history', 'alice', '--limit', '1')).toMatchObject({
      outgoing: true,
      text: 'first line of a paste\nsecond line of a paste',
      state: 'delivered',
    });
    expect((await bob.run('history', 'carol')).stdout).toMatch(
      /carol \(device 1\): hey, it is carol\n.*you \(device 1\) → carol: hi carol, who are you\? {2}✓✓ delivered/,
    );

    const contacts = (await bob.run('--json', 'contacts')).stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(contacts.map((c) => [c.address, c.verified, c.request])).toEqual([
      ['carol@localhost', false, false],
      ['alice@localhost', true, false],
    ]);
    expect((await alice.run('contacts')).stdout).toMatch(/^bob@localhost {2}not verified {2}last message [\d:]+\n$/);
  });
});
