import { IdentityKeyPair } from '@signalapp/libsignal-client';
import { bundleFor, deviceListEntry, generateDeviceKeys, signDeviceList } from '@parley/crypto';
import type { SignedDeviceList } from '@parley/protocol';
import type { TestServer } from '../../../test/support/server';
import { CliDevice, cliEnv, tempHome, useServerBehindProxy } from './cli-runner';
import { Forgery, HttpRewriteProxy, ProxiedRequest } from '../../../test/support/http-proxy';

/**
 * Alice talks to the server through a proxy that lies the way a malicious
 * or compromised server could: it adds devices to bob's account, replays an
 * old device list, forges or re-signs the list, strips a device from it.
 * Bob talks to the server directly. In every case alice's `parley send`
 * refuses (exit 7) and nothing reaches bob, nor any device he never signed.
 */
describe('parley send against a malicious server', () => {
  let server: TestServer;
  let proxy: HttpRewriteProxy;
  let home: ReturnType<typeof tempHome>;
  let alice: CliDevice, bob1: CliDevice, bob2: CliDevice;
  /** Bob's first list (device 1 only) and his current one (devices 1 and 2). */
  let bobV1: SignedDeviceList, bobV2: SignedDeviceList;

  // A device the server would like alice to encrypt to, as bob's device 9.
  const intruder = generateDeviceKeys(1);
  const intruderBundle = bundleFor(intruder, 9);
  const newIdentity = IdentityKeyPair.generate();

  const isBundleFetch = (r: ProxiedRequest, deviceId?: number) =>
    r.method === 'GET' && (deviceId === undefined ? /^\/v1\/keys\/bob(\/\d+)?$/ : new RegExp(`^/v1/keys/bob/${deviceId}$`)).test(r.path);

  /** The server's 409 on alice's next send: "bob has device `deviceId`, you have no session with it". Once. */
  function claimMissing(deviceId: number, then: Forgery['answer'] = () => null): Forgery['answer'] {
    let claimed = false;
    return (r) => {
      if (r.method === 'PUT' && r.path === '/v1/messages/bob' && !claimed) {
        claimed = true;
        const body = { error: 'mismatched_devices', message: 'mismatched devices', missingDevices: [deviceId], extraDevices: [] };
        return { status: 409, body };
      }
      return then(r);
    };
  }

  /** alice's send is refused with `message`; no ciphertext for device 9 was made, and bob got nothing. */
  async function expectRefused(message: RegExp): Promise<void> {
    const from = proxy.requests.length;
    const result = await alice.run('send', 'bob', 'must not arrive');
    expect([result.code, result.stdout]).toEqual([7, '']);
    expect(result.stderr).toMatch(message);
    const encryptedFor = proxy
      .since(from, 'PUT', /^\/v1\/messages\//)
      .flatMap((r) => r.body.messages.map((m: any) => m.destinationDeviceId));
    expect(encryptedFor).not.toContain(9);
    expect(await bob1.inbox()).toEqual([]);
    expect(await bob2.inbox()).toEqual([]);
  }

  const world = useServerBehindProxy();
  beforeAll(async () => {
    ({ server, proxy, home } = world);
    alice = new CliDevice('alice', cliEnv(home.home, proxy.url));
    [bob1, bob2] = ['bob1', 'bob2'].map((p) => new CliDevice(p, cliEnv(home.home, server.url)));
    await alice.json('register', 'alice');
    await bob1.json('register', 'bob');
    bobV1 = (await bob1.json('devices')).deviceList;
    await bob2.link('bob', bob1);
    bobV2 = (await bob1.json('devices')).deviceList;
  });

  it('(a) refuses a first-contact bundle with a device bob never signed, and pins nothing', async () => {
    proxy.forgery.rewrite = (r, body) => (isBundleFetch(r) ? { ...body, devices: [...body.devices, intruderBundle] } : body);
    await expectRefused(/^parley: device 9 of bob@localhost is not in its signed device list; not sending$/m);

    proxy.forgery = {};
    expect(await alice.json('send', 'bob', 'hello bob')).toMatchObject({ devices: [1, 2] });
    for (const bob of [bob1, bob2]) expect((await bob.inbox()).map((m) => m.text)).toEqual(['hello bob']);
  });

  it('(a) refuses a device the server says bob added (409) when bob’s signed list does not name it', async () => {
    proxy.forgery.answer = claimMissing(9, (r) =>
      isBundleFetch(r, 9) ? { status: 200, body: { address: 'bob', devices: [intruderBundle], deviceList: bobV2 } } : null,
    );
    await expectRefused(/device 9 of bob@localhost is not in its signed device list/);
  });

  it('(b) refuses an older device list than the newest one already seen', async () => {
    proxy.forgery.answer = claimMissing(2);
    proxy.forgery.rewrite = (r, body) => (isBundleFetch(r, 2) ? { ...body, deviceList: bobV1 } : body);
    await expectRefused(/bob@localhost's device list version 1, older than version 2 already seen/);
  });

  it('(c) refuses a device list whose signature was replaced', async () => {
    proxy.forgery.answer = claimMissing(2);
    proxy.forgery.rewrite = (r, body) =>
      isBundleFetch(r, 2) ? { ...body, deviceList: { ...body.deviceList, signature: bobV1.signature } } : body;
    await expectRefused(/bob@localhost's device list is not validly signed/);
  });

  it('(d) refuses a device list with a device stripped out', async () => {
    proxy.forgery.answer = claimMissing(2);
    proxy.forgery.rewrite = (r, body) =>
      isBundleFetch(r, 2) ? { ...body, deviceList: { ...body.deviceList, devices: body.deviceList.devices.slice(1) } } : body;
    await expectRefused(/bob@localhost's device list is not validly signed/);
  });

  it('(c) refuses a replaced account identity that is not in the key log, and does not offer it to `parley trust`', async () => {
    // Before key transparency this blocked as "account identity changed" until the user ran `parley trust`, which then
    // let alice send to the server's devices. The forged list must now be in the log, where bob's `parley monitor` sees it.
    const forged = signDeviceList(newIdentity, {
      address: 'bob@localhost',
      version: bobV2.version + 1,
      timestamp: Date.now(),
      devices: [...bobV2.devices, deviceListEntry(intruder, 9)],
    });
    proxy.forgery.answer = claimMissing(9, (r) =>
      isBundleFetch(r, 9) ? { status: 200, body: { address: 'bob', devices: [intruderBundle], deviceList: forged } } : null,
    );
    await expectRefused(/the server sent no key log proof for bob@localhost's device list version 3; not sending/);
    // With bob's real leaf and proof beside it, the leaf is not the forged list.
    proxy.forgery.answer = claimMissing(2);
    proxy.forgery.rewrite = (r, body) => (isBundleFetch(r, 2) ? { ...body, deviceList: forged } : body);
    await expectRefused(/the key log leaf served for bob@localhost is not its device list version 3; not sending/);

    proxy.forgery = {};
    expect(await alice.json('fingerprint', 'bob')).not.toHaveProperty('identityChanged');
    const nothingPending = await alice.run('trust', 'bob');
    expect([nothingPending.code, nothingPending.stderr.trim()]).toEqual([
      3,
      "parley: bob@localhost's account identity has not changed: there is nothing to accept",
    ]);
    expect(await alice.json('send', 'bob', 'still bob')).toMatchObject({ devices: [1, 2] });
    for (const bob of [bob1, bob2]) expect((await bob.inbox()).map((m) => m.text)).toEqual(['still bob']);
  });
});
