import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { IdentityKeyPair } from '@signalapp/libsignal-client';
import { toBase64 } from '@parley/crypto';
import type { ListInclusion, SignedDeviceList } from '@parley/protocol';
import { decodeKeyLeaf, encodeKeyLeaf, parseCheckpoint, signCheckpoint } from '@parley/transparency';
import { MemoryLog } from '@parley/transparency/memory-log';
import { api, newUser, TestDevice } from '../../../test/support/fixtures';
import type { TestServer } from '../../../test/support/server';
import { CliDevice, cliEnv, tempHome, useServerBehindProxy } from './cli-runner';
import { Forgery, HttpRewriteProxy, ProxiedRequest } from '../../../test/support/http-proxy';

/**
 * The client's key log checks (API.md section 8) against a server that
 * lies with its own signing key: the test holds the server's Ed25519 key
 * (PARLEY_SERVER_KEY), so the proxy in front of alice and carol can sign
 * checkpoints of histories it makes up, as a malicious server would. Bob
 * talks to the server directly. Each attack is refused: exit 7 for a
 * bundle whose proof does not hold, exit 9 for a log that forked.
 */
describe('key transparency in the CLI against a lying server', () => {
  const serverKey = generateKeyPairSync('ed25519').privateKey;
  const ORIGIN = 'localhost/parley-keys';
  let server: TestServer;
  let proxy: HttpRewriteProxy;
  let home: ReturnType<typeof tempHome>;
  let alice: CliDevice, carol: CliDevice, bob1: CliDevice, bob2: CliDevice;
  let watcher: TestDevice;
  let bobV1: SignedDeviceList;

  const isBundleFetch = (r: ProxiedRequest, deviceId?: number) =>
    r.method === 'GET' && (deviceId === undefined ? /^\/v1\/keys\/bob(\/\d+)?$/ : new RegExp(`^/v1/keys/bob/${deviceId}$`)).test(r.path);

  /** The server's 409 on the next send to bob: "you have no session with device `deviceId`", so the client fetches its bundle. */
  function claimMissing(deviceId: number, then: Forgery['answer'] = () => null): Forgery['answer'] {
    let claimed = false;
    return (r) => {
      if (r.method === 'PUT' && r.path === '/v1/messages/bob' && !claimed) {
        claimed = true;
        return { status: 409, body: { error: 'mismatched_devices', message: 'mismatched', missingDevices: [deviceId], extraDevices: [] } };
      }
      return then(r);
    };
  }

  /** Every leaf of the real log, read as any device may. */
  async function realLeaves(): Promise<Buffer[]> {
    const { size } = parseCheckpoint((await api(server, 'GET', '/v1/transparency/checkpoint')).body.checkpoint);
    const page = await api(server, 'GET', `/v1/transparency/leaves?start=0&count=${size}`, undefined, { token: watcher.token });
    return page.body.leaves.map((leaf: string) => Buffer.from(leaf, 'base64'));
  }
  const indexOf = (leaves: Buffer[], address: string, version: number) =>
    leaves.findIndex((l) => decodeKeyLeaf(l).address === address && decodeKeyLeaf(l).listVersion === version);

  /** A history of the server's own making, signed with its key. */
  function forgedLog(leaves: Buffer[]): MemoryLog {
    const log = new MemoryLog(ORIGIN, serverKey);
    log.append(...leaves);
    return log;
  }
  async function inclusionIn(log: MemoryLog, index: number): Promise<ListInclusion> {
    return {
      leafIndex: index,
      leaf: log.leaves[index].toString('base64'),
      checkpoint: log.checkpoint(),
      inclusionProof: await log.inclusion(index),
    };
  }
  /** Answers for the log routes from `log`, as a server showing that history would give them. */
  async function logRoutes(log: MemoryLog): Promise<Forgery['answer']> {
    const consistency = new Map<number, string[]>();
    for (let from = 1; from < log.size; from++) consistency.set(from, await log.consistency(from));
    return (r) => {
      if (r.path === '/v1/transparency/checkpoint') {
        return { status: 200, body: { checkpoint: log.checkpoint(), verifierKey: log.verifierKey } };
      }
      const proof = /^\/v1\/transparency\/consistency\?from=(\d+)&to=(\d+)$/.exec(r.path);
      if (proof && Number(proof[2]) === log.size)
        return { status: 200, body: { from: Number(proof[1]), to: log.size, proof: consistency.get(Number(proof[1])) } };
      const page = /^\/v1\/transparency\/leaves\?start=(\d+)&count=(\d+)$/.exec(r.path);
      if (page) {
        const [start, count] = [Number(page[1]), Number(page[2])];
        return { status: 200, body: { start, leaves: log.leaves.slice(start, start + count).map((l) => l.toString('base64')) } };
      }
      return null;
    };
  }

  /** `who`'s send to bob is refused with exit `code` and `message`, and bob got nothing. */
  async function expectRefused(who: CliDevice, code: number, message: RegExp): Promise<void> {
    const result = await who.run('send', 'bob', 'must not arrive');
    expect([result.code, result.stdout]).toEqual([code, '']);
    expect(result.stderr).toMatch(message);
    expect(await bob1.inbox()).toEqual([]);
  }

  const world = useServerBehindProxy({ PARLEY_SERVER_KEY: serverKey.export({ format: 'der', type: 'pkcs8' }).toString('base64') });
  beforeAll(async () => {
    ({ server, proxy, home } = world);
    [alice, carol] = ['alice', 'carol'].map((p) => new CliDevice(p, cliEnv(home.home, proxy.url)));
    [bob1, bob2] = ['bob1', 'bob2'].map((p) => new CliDevice(p, cliEnv(home.home, server.url)));
    watcher = await newUser(server);
    await alice.json('register', 'alice');
    await bob1.json('register', 'bob');
    await carol.json('register', 'carol');
    bobV1 = (await bob1.json('devices')).deviceList;
    // First contact, honest: alice pins the log key and a checkpoint.
    expect(await alice.json('send', 'bob', 'hello bob')).toMatchObject({ devices: [1] });
    expect((await bob1.inbox()).map((m) => m.text)).toEqual(['hello bob']);
  });

  it('refuses a checkpoint signed by another key than the pinned log key (exit 7)', async () => {
    const impostor = generateKeyPairSync('ed25519').privateKey;
    proxy.forgery.answer = claimMissing(1);
    proxy.forgery.rewrite = (r, body) => {
      if (!isBundleFetch(r, 1)) return body;
      const cp = parseCheckpoint(body.transparency.checkpoint);
      return { ...body, transparency: { ...body.transparency, checkpoint: signCheckpoint(cp, impostor) } };
    };
    await expectRefused(
      alice,
      7,
      /^parley: the checkpoint of localhost\/parley-keys is not signed by its pinned log key: .*; not sending$/m,
    );
  });

  it('refuses a valid proof of another leaf (exit 7)', async () => {
    const leaves = await realLeaves();
    const aliceIndex = indexOf(leaves, 'alice@localhost', 1);
    const size = leaves.length;
    const { proof } = (await api(server, 'GET', `/v1/transparency/inclusion?index=${aliceIndex}&size=${size}`)).body;
    proxy.forgery.answer = claimMissing(1);
    proxy.forgery.rewrite = (r, body) =>
      isBundleFetch(r, 1)
        ? {
            ...body,
            transparency: {
              ...body.transparency,
              leafIndex: aliceIndex,
              leaf: leaves[aliceIndex].toString('base64'),
              inclusionProof: proof,
            },
          }
        : body;
    await expectRefused(alice, 7, /the key log leaf served for bob@localhost is not its device list version 1; not sending/);
    // The right leaf with the index of another: the proof leads elsewhere.
    proxy.forgery.answer = claimMissing(1);
    proxy.forgery.rewrite = (r, body) =>
      isBundleFetch(r, 1) ? { ...body, transparency: { ...body.transparency, leafIndex: aliceIndex } } : body;
    await expectRefused(
      alice,
      7,
      /the key log does not include bob@localhost's device list version 1: the inclusion proof leads to another root/,
    );
  });

  it('reports a rollback: an older checkpoint of a rewritten history (exit 9)', async () => {
    const leaves = await realLeaves();
    const rewritten = forgedLog([leaves[indexOf(leaves, 'bob@localhost', 1)]]);
    const inclusion = await inclusionIn(rewritten, 0);
    proxy.forgery.answer = claimMissing(1);
    proxy.forgery.rewrite = (r, body) => (isBundleFetch(r, 1) ? { ...body, transparency: inclusion } : body);
    await expectRefused(
      alice,
      9,
      /the key log of localhost\/parley-keys forked: an older checkpoint is not a prefix of the one of size \d+ seen before/,
    );
  });

  it('reports a fork: a second checkpoint of the same size with another root (exit 9)', async () => {
    // An honest fetch first, so that alice has seen the newest size.
    proxy.forgery.answer = claimMissing(1);
    expect(await alice.json('send', 'bob', 'honest')).toMatchObject({ devices: [1] });
    expect((await bob1.inbox()).map((m) => m.text)).toEqual(['honest']);
    const leaves = await realLeaves();
    const fork = forgedLog([randomBytes(40), ...leaves.slice(1)]);
    const inclusion = await inclusionIn(fork, indexOf(leaves, 'bob@localhost', 1));
    proxy.forgery.answer = claimMissing(1);
    proxy.forgery.rewrite = (r, body) => (isBundleFetch(r, 1) ? { ...body, transparency: inclusion } : body);
    await expectRefused(alice, 9, new RegExp(`forked: two checkpoints of size ${leaves.length} with different roots`));
  });

  it('split view: carol is shown bob without his new device; bob’s monitor sees it; carol’s client alarms once it meets the real log', async () => {
    await bob2.link('bob', bob1);
    const monitored = await bob1.run('--json', 'monitor');
    expect(monitored.code).toBe(0);
    expect(monitored.stdout).toMatch(/"version":2,"status":"(known|unseen)"/);

    // Carol's world: bob's first list only, in a history that replaces his second leaf by someone else's.
    const leaves = await realLeaves();
    const bobV2Index = indexOf(leaves, 'bob@localhost', 2);
    const split = forgedLog([...leaves.slice(0, bobV2Index), randomBytes(40), ...leaves.slice(bobV2Index + 1)]);
    const inclusion = await inclusionIn(split, indexOf(leaves, 'bob@localhost', 1));
    const routes = await logRoutes(split);
    proxy.forgery.answer = (r) => {
      if (r.method === 'PUT' && r.path === '/v1/messages/bob') return { status: 200, body: {} }; // swallowed
      return routes!(r);
    };
    proxy.forgery.rewrite = (r, body) =>
      isBundleFetch(r)
        ? { ...body, devices: body.devices.filter((d: any) => d.deviceId === 1), deviceList: bobV1, transparency: inclusion }
        : body;
    // Alone in that world carol cannot tell (no witness yet: docs/SECURITY.md).
    expect(await carol.json('send', 'bob', 'hi bob')).toMatchObject({ devices: [1] });

    // The first real answer about bob (the server's 409 names device 2) brings a checkpoint of the real log.
    proxy.forgery = {};
    await expectRefused(carol, 9, /the key log of localhost\/parley-keys forked: two checkpoints of size \d+ with different roots/);
    expect(await bob2.inbox()).toEqual([]);
  });

  it('`parley monitor` alarms at a leaf for alice that none of her devices signed (exit 9)', async () => {
    const honest = await alice.run('monitor');
    expect(honest.code).toBe(0);
    expect(honest.stdout).toMatch(/leaf \d+: alice@localhost device list version 1, signed by this account, seen by this device/);

    const leaves = await realLeaves();
    const forgedLeaf = encodeKeyLeaf({
      address: 'alice@localhost',
      listVersion: 2,
      accountIdentityKey: toBase64(IdentityKeyPair.generate().publicKey.serialize()),
      listHash: randomBytes(32).toString('base64'),
      previousIndex: indexOf(leaves, 'alice@localhost', 1),
    });
    proxy.forgery.answer = await logRoutes(forgedLog([...leaves, forgedLeaf]));
    for (let run = 0; run < 2; run++) {
      const result = await alice.run('monitor');
      expect(result.code).toBe(9);
      expect(result.stderr).toMatch(
        new RegExp(
          `^parley: leaf ${leaves.length} of the key log records a device list under another account identity for alice@localhost \\(version 2\\) that none of this account's devices signed`,
          'm',
        ),
      );
    }
    // Once in the account's audit log, for its other devices, however often the monitor repeats it.
    const audit = (await alice.run('--json', 'audit')).stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
    expect(audit.filter((entry) => entry.kind === 'key_log_alarm')).toEqual([
      expect.objectContaining({
        detail: expect.objectContaining({ reason: 'key_log_unknown_leaf', message: expect.stringMatching(/^leaf \d+ of the key log/) }),
      }),
    ]);
  });
});
