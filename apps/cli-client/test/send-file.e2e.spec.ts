import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, TestServer } from '../../../test/support/server';
import { CliDevice, cliEnv, cliMain, tempHome } from './cli-runner';

/** `parley send --file`: the file goes up encrypted, the recipient's inbox fetches, checks and saves it. */
describe('parley send --file', () => {
  let server: TestServer;
  let home: ReturnType<typeof tempHome>;
  let alice: CliDevice;
  let bob: CliDevice;
  let env: Record<string, string>;

  beforeAll(async () => {
    server = await startServer();
    home = tempHome();
    env = cliEnv(home.home, server.url);
    [alice, bob] = [new CliDevice('alice', env), new CliDevice('bob', env)];
    await Promise.all([alice.json('register', 'alice'), bob.json('register', 'bob')]);
  });
  afterAll(async () => {
    await server?.stop();
    home?.remove();
  });

  it('sends a 10 MB file with a caption; bob’s inbox saves it unchanged in the profile’s downloads', async () => {
    const file = randomBytes(10 * 1024 * 1024);
    const path = join(home.home, 'holiday.jpg');
    writeFileSync(path, file);
    const started = Date.now();
    const sent = await alice.json('send', 'bob', '--file', path, 'the', 'photos');
    const sendMs = Date.now() - started;
    expect(sent).toMatchObject({ to: 'bob', devices: [1] });

    const receivedAt = Date.now();
    const [message] = (await bob.inbox()).filter((m) => m.kind === 'message');
    const inboxMs = Date.now() - receivedAt;
    expect(message).toMatchObject({
      from: 'alice',
      text: 'the photos',
      attachment: { name: 'holiday.jpg', size: file.length },
      savedAs: join(home.home, 'bob', 'downloads', 'holiday.jpg'),
    });
    expect(readFileSync(message.savedAs).equals(file)).toBe(true);
    // Kept in bob's history with where it was saved.
    const history = await bob.json('history', 'alice');
    expect(JSON.stringify(history)).toContain('holiday.jpg');
    process.stdout.write(`send --file 10 MB: ${sendMs} ms; inbox with download: ${inboxMs} ms\n`);
  });

  it('reads the message from standard input with `-`: a multi-line text is one message', async () => {
    const sent = await new Promise<{ code: number; stdout: string }>((resolve) => {
      const child = execFile(process.execPath, [cliMain(), '--profile', 'alice', '--json', 'send', 'bob', '-'], { env }, (error, stdout) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout }),
      );
      child.stdin!.end('first line\nsecond line\n');
    });
    expect(sent.code).toBe(0);
    const messages = (await bob.inbox()).filter((m) => m.event === 'message');
    expect(messages.map((m) => m.text)).toEqual(['first line\nsecond line']);
  });

  it('refuses a send with neither text nor file, and a file that cannot be read, sending nothing', async () => {
    expect((await alice.run('send', 'bob')).code).toBe(2);
    const missing = await alice.run('send', 'bob', '--file', join(home.home, 'nope.txt'));
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('cannot read');
    expect((await bob.inbox()).filter((m) => m.kind === 'message')).toEqual([]);
  });
});
