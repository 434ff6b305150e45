import { startServer, TestServer } from '../../../test/support/server';
import { CliDevice, cliEnv, tempHome } from './cli-runner';

/** Errors a person can act on, and the same errors as one JSON object for scripts. */
describe('parley error messages', () => {
  let server: TestServer;
  let home: ReturnType<typeof tempHome>;
  let env: Record<string, string>;
  let alice: CliDevice;

  beforeAll(async () => {
    // Two registrations a minute, so the third meets the limit and its Retry-After.
    server = await startServer({ RATE_LIMITS: 'registrationPerIp=2/60' });
    home = tempHome();
    env = cliEnv(home.home, server.url);
    alice = new CliDevice('alice', env);
    await alice.json('register', 'alice');
  });
  afterAll(async () => {
    await server?.stop();
    home?.remove();
  });

  it('names the user that does not exist, here or on another server', async () => {
    const local = await alice.run('send', 'dave', 'hi');
    expect([local.code, local.stderr]).toEqual([3, 'parley: no user dave on this server\n']);
    const remote = await alice.run('send', 'dave@nowhere.example', 'hi');
    expect([remote.code, remote.stderr]).toEqual([3, 'parley: this server does not federate with nowhere.example\n']);
  });

  it('says how long to wait when throttled, from Retry-After', async () => {
    await new CliDevice('bob', env).json('register', 'bob');
    const throttled = await new CliDevice('carol', env).run('register', 'carol');
    expect(throttled.code).toBe(1);
    expect(throttled.stderr).toMatch(/^parley: rate limited; try again in ([1-9]|[1-5]\d|60) s\n$/);
  });

  it('writes errors as one JSON object on stderr with --json, usage errors included', async () => {
    const unknown = await alice.run('--json', 'send', 'dave', 'hi');
    expect([unknown.code, unknown.stdout]).toEqual([3, '']);
    expect(JSON.parse(unknown.stderr)).toEqual({ error: 'unknown_address', message: 'no user dave on this server', exitCode: 3 });

    const usage = await alice.run('--json', 'send', 'dave');
    expect([usage.code, usage.stdout]).toEqual([2, '']);
    expect(JSON.parse(usage.stderr)).toEqual({
      error: 'usage',
      message: 'nothing to send: give a message, or a file with --file',
      exitCode: 2,
    });

    const noProfile = await new CliDevice('nobody', env).run('--json', 'devices');
    expect(JSON.parse(noProfile.stderr)).toMatchObject({ error: 'not_found', exitCode: 3 });
  });

  it('counts in words that agree with the number', async () => {
    const { stdout } = await alice.run('fingerprint', 'bob');
    expect(stdout).toMatch(/^device 1 \(signed device list version 1\)$/m);
  });
});
