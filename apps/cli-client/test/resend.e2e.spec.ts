import { startServer, TestServer } from '../../../test/support/server';
import { CliDevice, cliEnv, tempHome } from './cli-runner';
import { forgetSession } from './profile-surgery';

/** A message that does not decrypt is asked for again (Signal's retry receipts), and arrives once. */
describe('parley recovers a message a broken session could not decrypt', () => {
  let server: TestServer;
  let home: ReturnType<typeof tempHome>;
  let alice: CliDevice;
  let bob: CliDevice;
  let bobPhone: CliDevice;

  beforeAll(async () => {
    server = await startServer();
    home = tempHome();
    const env = cliEnv(home.home, server.url);
    alice = new CliDevice('alice', env);
    bob = new CliDevice('bob', env);
    bobPhone = new CliDevice('bob-phone', env);
    await alice.json('register', 'alice');
    await bob.json('register', 'bob');
    await bobPhone.link('bob', bob);
  });
  afterAll(async () => {
    await server?.stop();
    home?.remove();
  });

  it('asks the sender device to resend, which resends over a new session with the original timestamp', async () => {
    await alice.json('send', 'bob', 'before the break');
    await bob.inbox();
    await bobPhone.inbox();
    await forgetSession(home.home, 'bob', 'alice', 1);

    const sent = await alice.json('send', 'bob', 'after the break');
    const failed = await bob.run('inbox');
    expect(failed.stdout).toMatch(/! could not decrypt a message from alice \(device 1\); asked them to resend/);
    expect((await bobPhone.inbox()).map((m) => m.text)).toEqual(['after the break']);

    const answered = await alice.inbox();
    expect(answered).toEqual([expect.objectContaining({ kind: 'resend-request', from: 'bob', fromDeviceId: 1, resent: true })]);

    // Both of bob's devices got the resend; only the one that lost it shows it, with the original timestamp.
    expect((await bob.inbox()).map((m) => [m.kind, m.text, m.timestamp])).toEqual([['message', 'after the break', sent.timestamp]]);
    expect(await bobPhone.inbox()).toEqual([]);

    // The new session works both ways.
    await bob.json('send', 'alice', 'got it');
    expect((await alice.inbox()).map((m) => m.text)).toEqual(['got it']);
  });
});
