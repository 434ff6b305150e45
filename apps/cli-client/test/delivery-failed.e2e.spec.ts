import { spawn } from 'node:child_process';
import { FLAKY_RETRY_WINDOW_SECONDS, FlakyPeers, startFlakyPeers } from '../../../test/support/federation';
import { CliDevice, cliEnv, cliMain, tempHome } from './cli-runner';

/**
 * A message to another server that is finally given up (here: b.test looks
 * down for longer than a.test's retry window, startFlakyPeers) shows as `✗ not delivered`
 * where the sender next looks, once: in `parley inbox`, in `chat`, and as
 * a `delivery:failed` object with --json.
 */
describe('parley shows sends to another server that finally failed', () => {
  let peers: FlakyPeers;
  let home: ReturnType<typeof tempHome>;
  let alice: CliDevice;
  let bob: CliDevice;

  /** Runs `alice inbox` until its output mentions a failed delivery (which it then acknowledged). */
  async function inboxUntilFailure(...flags: string[]): Promise<string> {
    for (const deadline = Date.now() + 20_000; Date.now() < deadline;) {
      const { stdout } = await alice.run(...flags, 'inbox');
      if (stdout.includes('not delivered') || stdout.includes('delivery:failed')) return stdout;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    throw new Error('no failed delivery shown');
  }
  const reason = 'b.test could not be reached before the retry window ran out';

  beforeAll(async () => {
    peers = await startFlakyPeers();
    const { a, b } = peers;
    home = tempHome();
    alice = new CliDevice('alice', cliEnv(home.home, a.url));
    bob = new CliDevice('bob', cliEnv(home.home, b.url));
    await alice.json('register', 'alice');
    await bob.json('register', 'bob');
    await alice.json('send', 'bob@b.test', 'hello'); // a session, so later sends need nothing from b.test
  });
  afterEach(() => peers.peerUp());
  afterAll(async () => {
    await peers?.stop();
    home?.remove();
  });

  it('`parley inbox` shows ✗ not delivered once, and --json a delivery:failed object', async () => {
    peers.peerDown();
    await alice.json('send', 'bob@b.test', 'lost');
    const shown = await inboxUntilFailure();
    expect(shown).toMatch(new RegExp(`^✗ not delivered to bob@b\\.test: ${reason} \\(your message of \\[[\\d:]+\\]\\)$`, 'm'));
    expect((await alice.run('inbox')).stdout).not.toContain('not delivered'); // acknowledged when shown

    const sent = await alice.json('send', 'bob@b.test', 'lost again');
    const lines = (await inboxUntilFailure('--json'))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
    expect(lines).toEqual([
      { event: 'delivery:failed', id: expect.any(String), destination: 'bob@b.test', error: 'peer_unavailable', timestamp: sent.timestamp },
    ]);
    expect(await alice.inbox()).toEqual([]);
  }, 90_000);

  it('`parley chat` shows a failure that came while it was closed, and --json as an object', async () => {
    peers.peerDown();
    await alice.json('send', 'bob@b.test', 'lost in chat');
    await new Promise((resolve) => setTimeout(resolve, FLAKY_RETRY_WINDOW_SECONDS * 1000 + 2000)); // past the retry window, with no client running

    const chat = spawn(process.execPath, [cliMain(), '--profile', 'alice', '--json', 'chat', 'bob@b.test'], {
      env: cliEnv(home.home, peers.a.url),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    try {
      let stdout = '';
      chat.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      const failure = await new Promise<any>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no delivery:failed in chat: ${stdout}`)), 20_000);
        chat.stdout.on('data', () => {
          const found = stdout
            .split('\n')
            .filter((line) => line.startsWith('{'))
            .map((line) => JSON.parse(line))
            .find((event) => event.event === 'delivery:failed');
          if (found) {
            clearTimeout(timer);
            resolve(found);
          }
        });
      });
      expect(failure).toMatchObject({ event: 'delivery:failed', destination: 'bob@b.test', error: 'peer_unavailable' });
    } finally {
      chat.stdin.end();
      await new Promise((resolve) => chat.once('exit', resolve));
    }
    expect((await alice.run('inbox')).stdout).not.toContain('not delivered'); // chat acknowledged it
  }, 90_000);
});
