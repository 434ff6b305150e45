import { startServer, TestServer } from '../../../test/support/server';
import { CliDevice, cliEnv, tempHome } from './cli-runner';

/** `bob` and `bob@<own domain>` are one person: one session, one contact, one conversation. */
describe('parley names a local user one way', () => {
  let server: TestServer;
  let home: ReturnType<typeof tempHome>;
  let alice: CliDevice;
  let bob: CliDevice;
  let domain: string;

  beforeAll(async () => {
    server = await startServer();
    home = tempHome();
    const env = cliEnv(home.home, server.url);
    alice = new CliDevice('alice', env);
    bob = new CliDevice('bob', env);
    domain = (await alice.json('register', 'alice')).address.split('@')[1];
    await bob.json('register', 'bob');
  });
  afterAll(async () => {
    await server?.stop();
    home?.remove();
  });

  it("reads bob's reply after writing to him as bob@<own domain> (any case) in a running conversation", async () => {
    await alice.json('send', 'bob', 'hi bob');
    await bob.json('send', 'alice', 'hi alice');
    expect((await alice.inbox()).map((m) => m.text)).toEqual(['hi alice']);

    await alice.json('send', `bob@${domain.toUpperCase()}`, 'same bob, full address');
    expect((await bob.inbox()).map((m) => m.text)).toEqual(['hi bob', 'same bob, full address']);
    await bob.json('send', 'alice', 'got both');
    expect((await alice.inbox()).map((m) => [m.kind, m.text])).toEqual([['message', 'got both']]);
  });
});
