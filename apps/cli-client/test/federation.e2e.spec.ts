import { freePort } from '@parley/testkit';
import { startServer, TestServer } from '../../../test/support/server';
import { CliDevice, cliEnv, tempHome } from './cli-runner';

/**
 * Two people on two federated servers (API.md section 5), each talking only
 * to their home server: addresses carry the other server's domain, and the
 * sessions and safety numbers work as they do locally.
 */
describe('parley CLI across federated servers', () => {
  let a: TestServer;
  let b: TestServer;
  let home: ReturnType<typeof tempHome>;
  let alice: CliDevice, alicePhone: CliDevice, bob: CliDevice;

  beforeAll(async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    a = await startServer({ PORT: String(portA), PARLEY_DOMAIN: 'a.test', PARLEY_PEERS: `b.test=http://127.0.0.1:${portB}` });
    b = await startServer({ PORT: String(portB), PARLEY_DOMAIN: 'b.test', PARLEY_PEERS: `a.test=http://127.0.0.1:${portA}` });
    home = tempHome();
    alice = new CliDevice('alice', cliEnv(home.home, a.url));
    alicePhone = new CliDevice('alice-phone', cliEnv(home.home, a.url));
    bob = new CliDevice('bob', cliEnv(home.home, b.url));
    await alice.json('register', 'alice');
    await alicePhone.link('alice', alice);
    await bob.json('register', 'bob');
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    home?.remove();
  });

  it('sends to a user on another server and gets the reply back', async () => {
    const sent = await alice.json('send', 'bob@b.test', 'hello from a.test');
    expect(sent).toMatchObject({ to: 'bob@b.test', devices: [1], syncedDevices: [2] });
    // Alice's own signed list grew (her phone) since she registered: the sync copy tells her.
    expect(sent.deviceChanges).toEqual([{ address: 'alice@a.test', added: [2], removed: [] }]);
    expect(await bob.inbox()).toEqual([expect.objectContaining({ from: 'alice@a.test', fromDeviceId: 1, text: 'hello from a.test' })]);

    await bob.json('send', 'alice@a.test', 'hello from b.test');
    expect(await alice.inbox()).toEqual([
      expect.objectContaining({ from: 'bob@b.test', fromDeviceId: 1, text: 'hello from b.test', outgoing: false }),
    ]);
    expect((await alicePhone.inbox()).map((m) => [m.outgoing, m.conversation, m.text])).toEqual([
      [true, 'bob@b.test', 'hello from a.test'],
      [false, 'bob@b.test', 'hello from b.test'],
    ]);
  });

  it('shows the same safety number on both servers', async () => {
    const aliceSees = await alice.json('fingerprint', 'bob@b.test');
    expect(aliceSees).toMatchObject({ address: 'bob@b.test', devices: [1] });
    const bobSees = await bob.json('fingerprint', 'alice@a.test');
    expect(bobSees).toMatchObject({ address: 'alice@a.test', devices: [1, 2] });
    expect(bobSees.safetyNumber).toBe(aliceSees.safetyNumber);
  });
});
