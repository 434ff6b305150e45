import { generateKeyPairSync } from 'node:crypto';
import { freePort } from '@parley/testkit';
import { cosignerVerifierKey, rawPublicKey } from '@parley/transparency';
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
  let alice: CliDevice, alicePhone: CliDevice, bob: CliDevice, carol: CliDevice;

  beforeAll(async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    // Each witnesses the other's key log, submitting checkpoints often so that a test need not wait long.
    const often = { WITNESS_SUBMIT_INTERVAL_MS: '300' };
    a = await startServer({ ...often, PORT: String(portA), PARLEY_DOMAIN: 'a.test', PARLEY_PEERS: `b.test=http://127.0.0.1:${portB}` });
    b = await startServer({ ...often, PORT: String(portB), PARLEY_DOMAIN: 'b.test', PARLEY_PEERS: `a.test=http://127.0.0.1:${portA}` });
    home = tempHome();
    alice = new CliDevice('alice', cliEnv(home.home, a.url));
    alicePhone = new CliDevice('alice-phone', cliEnv(home.home, a.url));
    bob = new CliDevice('bob', cliEnv(home.home, b.url));
    carol = new CliDevice('carol', cliEnv(home.home, a.url));
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

  it("holds a send until a witness the sender requires has cosigned the recipient's list, then sends it", async () => {
    await carol.json('register', 'carol');
    const nobody = cosignerVerifierKey('nobody.test/parley-witness', rawPublicKey(generateKeyPairSync('ed25519').privateKey));
    expect(await alice.json('witnesses', 'add', nobody)).toMatchObject({ name: 'nobody.test/parley-witness' });
    const held = await alice.run('send', 'carol', 'witnessed hello');
    expect(held.stdout).toMatch(
      /^⧗ not sent yet: .*not witnessed yet: (no checkpoint of the log has been cosigned|.*no valid cosignature by nobody)/,
    );
    expect(held.stdout).toMatch(/1 message kept in the outbox/);

    // b.test's witness key, fetched from b.test itself, never from a.test.
    expect(await alice.json('witnesses', 'add', b.url)).toMatchObject({ name: 'b.test/parley-witness' });
    await alice.json('witnesses', 'remove', 'nobody.test/parley-witness');
    expect((await alice.json('witnesses')).name).toBe('b.test/parley-witness');
    let flushed = '';
    for (const deadline = Date.now() + 15_000; !flushed.includes('✓ sent to carol') && Date.now() < deadline;) {
      flushed = (await alice.run('inbox')).stderr;
      if (!flushed.includes('✓ sent to carol')) await new Promise((resolve) => setTimeout(resolve, 300));
    }
    expect(flushed).toMatch(/✓ sent to carol/);
    expect((await carol.inbox()).map((m) => m.text)).toEqual(['witnessed hello']);
  });
});
