import type { CheckpointResponse, PreKeyBundleResponse } from '@parley/protocol';
import {
  decodeKeyLeaf,
  deviceListHash,
  hashLeaf,
  parseVerifierKey,
  treeHash,
  verifyCheckpoint,
  verifyConsistency,
  verifyInclusion,
} from '@parley/transparency';
import { generateDeviceKeys } from '@parley/crypto';
import { api, newAccount, newDevice, newUser, removeDevice, resetFor, TestDevice } from '../support/fixtures';
import { startServer, TestServer, usingRealServices } from '../support/server';

/**
 * Key transparency (docs/API.md section 8), over HTTP against real server
 * processes: every accepted device list becomes a leaf, bundles prove
 * their list's leaf against a signed checkpoint, and checkpoints stay
 * consistent as the log grows; all checked with @parley/transparency, as
 * a client would.
 */
const ORIGIN = 'localhost/parley-keys';
const b64 = (s: string) => Buffer.from(s, 'base64');

describe('key transparency', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** The newest checkpoint, verified with the log key it names (a client would pin that key). */
  async function checkpoint() {
    const res = await api<CheckpointResponse>(server, 'GET', '/v1/transparency/checkpoint');
    expect(res.status).toBe(200);
    return verifyCheckpoint(res.body.checkpoint, ORIGIN, parseVerifierKey(res.body.verifierKey));
  }
  const verifierKey = async () =>
    parseVerifierKey((await api<CheckpointResponse>(server, 'GET', '/v1/transparency/checkpoint')).body.verifierKey);
  const bundleOf = async (asker: TestDevice, username: string) =>
    (await api<PreKeyBundleResponse>(server, 'GET', `/v1/keys/${username}`, undefined, { token: asker.token })).body;

  /** What a client checks before it encrypts: the leaf is this list, and it is in a checkpoint the log signed. */
  async function expectProvenBundle(bundle: PreKeyBundleResponse) {
    const proof = bundle.transparency!;
    expect(proof).toEqual(expect.objectContaining({ leafIndex: expect.any(Number) }));
    const leaf = decodeKeyLeaf(b64(proof.leaf));
    expect(leaf).toMatchObject({
      address: bundle.deviceList!.address,
      listVersion: bundle.deviceList!.version,
      accountIdentityKey: bundle.deviceList!.accountIdentityKey,
      listHash: deviceListHash(bundle.deviceList!),
    });
    const cp = verifyCheckpoint(proof.checkpoint, ORIGIN, await verifierKey());
    verifyInclusion(proof.leafIndex, cp.size, hashLeaf(b64(proof.leaf)), proof.inclusionProof.map(b64), cp.rootHash);
    return leaf;
  }

  it('signs a checkpoint of the log with the server key, and proves each bundle’s list in it as soon as the registration returns', async () => {
    const bob = await newUser(server);
    const alice = await newUser(server);
    const first = await expectProvenBundle(await bundleOf(alice, bob.username));
    expect(first).toMatchObject({ listVersion: 1, previousIndex: null });

    await newDevice(server, bob.account);
    const second = await expectProvenBundle(await bundleOf(alice, bob.username));
    expect(second.listVersion).toBe(2);
    // The previous leaf of the account is its first list's: a monitor walks the history back along it.
    const previous = await api(server, 'GET', `/v1/transparency/leaves/${second.previousIndex}`, undefined, { token: bob.token });
    expect(previous.status).toBe(200);
    expect(decodeKeyLeaf(b64(previous.body.leaf))).toEqual(first);
  });

  it('logs removals and account resets too, and a reset shows as a new account identity in the chain', async () => {
    const carol = await newUser(server);
    const other = await newDevice(server, carol.account);
    expect((await removeDevice(server, carol, other.deviceId)).status).toBe(204);
    const removal = await expectProvenBundle(await bundleOf(carol, carol.username));
    expect(removal.listVersion).toBe(3);

    const reset = resetFor(carol.account, generateDeviceKeys(1));
    const res = await api(server, 'POST', '/v1/account/reset', reset.request, { token: carol.account.tokens.accessToken });
    expect(res.status).toBe(201);
    reset.accepted();
    const asker = await newUser(server);
    const afterReset = await expectProvenBundle(await bundleOf(asker, carol.username));
    expect(afterReset).toMatchObject({ listVersion: 4, accountIdentityKey: carol.account.deviceList!.accountIdentityKey });
    expect(afterReset.accountIdentityKey).not.toBe(removal.accountIdentityKey);
  });

  it('serves inclusion proofs of any leaf and consistency proofs between any two sizes up to the newest checkpoint', async () => {
    const older = await checkpoint();
    const dave = await newUser(server);
    await newDevice(server, dave.account);
    const newer = await checkpoint();
    expect(newer.size).toBeGreaterThanOrEqual(older.size + 2);

    const consistency = await api(server, 'GET', `/v1/transparency/consistency?from=${older.size}&to=${newer.size}`);
    expect(consistency.status).toBe(200);
    verifyConsistency(older.size, newer.size, consistency.body.proof.map(b64), older.rootHash, newer.rootHash);

    // Every leaf, read one by one and in pages, hashes to the checkpoint's root: nothing hidden, nothing reordered.
    const leaves: Buffer[] = [];
    for (let index = 0; index < newer.size; index++) {
      const res = await api(server, 'GET', `/v1/transparency/leaves/${index}`, undefined, { token: dave.token });
      leaves.push(b64(res.body.leaf));
      const inclusion = await api(server, 'GET', `/v1/transparency/inclusion?index=${index}&size=${newer.size}`);
      verifyInclusion(index, newer.size, hashLeaf(leaves[index]), inclusion.body.proof.map(b64), newer.rootHash);
    }
    expect(treeHash(leaves.map(hashLeaf))).toEqual(newer.rootHash);
    const paged: string[] = [];
    for (let start = 0; start < newer.size; start += 3) {
      const page = await api(server, 'GET', `/v1/transparency/leaves?start=${start}&count=3`, undefined, { token: dave.token });
      expect(page.body.start).toBe(start);
      paged.push(...page.body.leaves);
    }
    expect(paged).toEqual(leaves.map((leaf) => leaf.toString('base64')));
  });

  it('cuts a page of leaves short where the newest checkpoint ends, and serves its own log under its domain too', async () => {
    const device = await newUser(server);
    const { size } = await checkpoint();
    const tail = await api(server, 'GET', `/v1/transparency/leaves?start=${size - 1}&count=256`, undefined, { token: device.token });
    expect(tail.body.leaves.length).toBeGreaterThanOrEqual(1);
    const beyond = await api(server, 'GET', `/v1/transparency/leaves?start=${size + 1000}&count=5`, undefined, { token: device.token });
    expect(beyond.body).toEqual({ start: size + 1000, leaves: [] });

    const own = await api<CheckpointResponse>(server, 'GET', '/v1/transparency/logs/localhost/checkpoint', undefined, {
      token: device.token,
    });
    expect(own.body.verifierKey).toBe((await api<CheckpointResponse>(server, 'GET', '/v1/transparency/checkpoint')).body.verifierKey);
    const proof = await api(server, 'GET', `/v1/transparency/logs/LOCALHOST/consistency?from=1&to=${size}`, undefined, {
      token: device.token,
    });
    expect(proof.body).toEqual((await api(server, 'GET', `/v1/transparency/consistency?from=1&to=${size}`)).body);
  });

  it('answers bad positions with 4xx and a machine-readable error', async () => {
    const { size } = await checkpoint();
    const device = await newUser(server);
    const latest = (await checkpoint()).size;
    const cases: [string, number, string][] = [
      [`/v1/transparency/inclusion?index=-1&size=${size}`, 400, 'validation_failed'],
      [`/v1/transparency/inclusion?index=1.5&size=${size}`, 400, 'validation_failed'],
      [`/v1/transparency/inclusion?size=${size}`, 400, 'validation_failed'],
      [`/v1/transparency/inclusion?index=${size}&size=${size}`, 400, 'leaf_index_out_of_range'],
      [`/v1/transparency/inclusion?index=0&size=${latest + 1}`, 400, 'tree_size_out_of_range'],
      [`/v1/transparency/consistency?from=0&to=${size}`, 400, 'tree_size_out_of_range'],
      [`/v1/transparency/consistency?from=${size}&to=${size - 1}`, 400, 'tree_size_out_of_range'],
      [`/v1/transparency/consistency?from=1&to=${latest + 1}`, 400, 'tree_size_out_of_range'],
      [`/v1/transparency/consistency?from=1&to=99999999999999999999`, 400, 'validation_failed'],
      ['/v1/transparency/leaves/abc', 400, 'validation_failed'],
      [`/v1/transparency/leaves/${latest}`, 404, 'not_found'],
      ['/v1/transparency/leaves?start=0&count=0', 400, 'validation_failed'],
      ['/v1/transparency/leaves?start=0&count=257', 400, 'validation_failed'],
      ['/v1/transparency/leaves?start=-1&count=1', 400, 'validation_failed'],
      ['/v1/transparency/leaves?count=1', 400, 'validation_failed'],
      ['/v1/transparency/logs/nowhere.test/checkpoint', 404, 'unknown_peer'],
      ['/v1/transparency/logs/nowhere.test/consistency?from=1&to=1', 404, 'unknown_peer'],
      ['/v1/transparency/logs/localhost/consistency?from=0&to=1', 400, 'tree_size_out_of_range'],
    ];
    for (const [path, status, error] of cases) {
      const res = await api(server, 'GET', path, undefined, { token: device.token });
      expect({ path, status: res.status, error: res.body.error }).toEqual({ path, status, error });
    }
    for (const path of [
      '/v1/transparency/leaves/0',
      '/v1/transparency/leaves?start=0&count=1',
      '/v1/transparency/logs/localhost/checkpoint',
    ]) {
      expect((await api(server, 'GET', path)).status).toBe(401);
    }
  });
});

/**
 * Two processes on one PostgreSQL append concurrently: the tree lock must
 * give every change exactly one index, and the result must be one tree.
 */
const describeShared = usingRealServices() ? describe : describe.skip;
describeShared('key transparency across two processes on one PostgreSQL', () => {
  let servers: TestServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  it('assigns each list change one leaf, chained per account, under concurrent registrations on both', async () => {
    const a = await startServer();
    servers = [a, await a.sibling()];
    const accounts = await Promise.all(Array.from({ length: 8 }, (_, i) => newAccount(servers[i % 2])));
    // Each account registers three devices, alternating processes, all accounts at once.
    await Promise.all(
      accounts.map(async (account, i) => {
        for (let n = 0; n < 3; n++) await newDevice(servers[(i + n) % 2], account, { oneTimeKeys: 1 });
      }),
    );
    const reader = await newUser(servers[0]);
    const cp = (await api<CheckpointResponse>(servers[1], 'GET', '/v1/transparency/checkpoint')).body;
    const { size, rootHash } = verifyCheckpoint(cp.checkpoint, ORIGIN, parseVerifierKey(cp.verifierKey));
    expect(size).toBe(accounts.length * 3 + 1);
    const leaves = await Promise.all(
      Array.from({ length: size }, async (_, index) =>
        b64((await api(servers[index % 2], 'GET', `/v1/transparency/leaves/${index}`, undefined, { token: reader.token })).body.leaf),
      ),
    );
    expect(treeHash(leaves.map(hashLeaf))).toEqual(rootHash);
    for (const account of accounts) {
      const history = leaves.map((bytes, index) => ({ index, ...decodeKeyLeaf(bytes) })).filter((l) => l.address === account.address);
      expect(history.map((l) => l.listVersion)).toEqual([1, 2, 3]);
      expect(history.map((l) => l.previousIndex)).toEqual([null, history[0].index, history[1].index]);
    }
  });
});
