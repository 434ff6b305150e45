import { generateKeyPairSync } from 'node:crypto';
import { freePort } from '@parley/testkit';
import type { ListInclusion } from '@parley/protocol';
import { ed25519VerifierKey, parseCheckpoint, rawPublicKey } from '@parley/transparency';
import { MemoryLog } from '@parley/transparency/memory-log';
import { api, newUser } from '../../../test/support/fixtures';
import { startServer, TestServer } from '../../../test/support/server';
import { CliDevice, cliEnv, tempHome } from './cli-runner';
import { HttpRewriteProxy, ProxiedRequest } from '../../../test/support/http-proxy';

/**
 * The client's key log checks of a peer's lists (API.md section 8): a
 * remote bundle's checkpoint must verify with the peer's log key, which
 * the client pins from its home server's relay (GET
 * /v1/transparency/logs/b.test/checkpoint, the key of the federation key
 * a.test pinned), and be consistent with what it saw of that log before.
 * The proxy stands between a.test and b.test and plays b.test lying; the
 * test holds b.test's key (PARLEY_SERVER_KEY), so it can sign histories
 * of its own making as b.test would. alice, dave and erin are on a.test;
 * bob and frank on b.test, which they talk to directly.
 */
describe('key transparency in the CLI against a lying peer', () => {
  const keyB = generateKeyPairSync('ed25519').privateKey;
  const ORIGIN_B = 'b.test/parley-keys';
  let a: TestServer, b: TestServer;
  let proxy: HttpRewriteProxy;
  let home: ReturnType<typeof tempHome>;
  let alice: CliDevice, dave: CliDevice, bob: CliDevice, frank: CliDevice;

  const isClaimOf = (r: ProxiedRequest, username: string) => r.path === '/federation/v1/keys/claim' && r.body?.username === username;

  /** `served`'s leaf proven in `log` (after whatever it already holds), as a bundle's `transparency`. */
  async function provenIn(log: MemoryLog, served: ListInclusion): Promise<ListInclusion> {
    const leafIndex = log.append(Buffer.from(served.leaf, 'base64'));
    return { leafIndex, leaf: served.leaf, checkpoint: log.checkpoint(), inclusionProof: await log.inclusion(leafIndex) };
  }

  beforeAll(async () => {
    const [portA, portB] = await Promise.all([freePort(), freePort()]);
    proxy = await HttpRewriteProxy.start(`http://127.0.0.1:${portB}`);
    a = await startServer({ PORT: String(portA), PARLEY_DOMAIN: 'a.test', PARLEY_PEERS: `b.test=${proxy.url}` });
    b = await startServer({
      PORT: String(portB),
      PARLEY_DOMAIN: 'b.test',
      PARLEY_PEERS: `a.test=http://127.0.0.1:${portA}`,
      PARLEY_SERVER_KEY: keyB.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
    });
    home = tempHome();
    [alice, dave] = ['alice', 'dave'].map((p) => new CliDevice(p, cliEnv(home.home, a.url)));
    [bob, frank] = ['bob', 'frank'].map((p) => new CliDevice(p, cliEnv(home.home, b.url)));
    for (const [device, name] of [
      [alice, 'alice'],
      [dave, 'dave'],
      [bob, 'bob'],
      [frank, 'frank'],
    ] as const) {
      await device.json('register', name);
    }
    // First contact, honest: alice pins b.test's log key (from a.test's relay) and a checkpoint of b.test's log.
    expect(await alice.json('send', 'bob@b.test', 'hello bob')).toMatchObject({ devices: [1] });
    expect((await bob.inbox()).map((m) => m.text)).toEqual(['hello bob']);
  });
  afterEach(() => {
    proxy.forgery = {};
  });
  afterAll(async () => {
    await proxy?.close();
    await Promise.all([a?.stop(), b?.stop()]);
    home?.remove();
  });

  it("relays b.test's log with the verifier key of the federation key a.test pinned, whatever b.test's answer names", async () => {
    const viewer = await newUser(a);
    const impostorKey = ed25519VerifierKey(ORIGIN_B, rawPublicKey(generateKeyPairSync('ed25519').privateKey));
    proxy.forgery = { rewrite: (r, body) => (r.path === '/v1/transparency/checkpoint' ? { ...body, verifierKey: impostorKey } : body) };
    const relayed = await api(a, 'GET', '/v1/transparency/logs/b.test/checkpoint', undefined, { token: viewer.token });
    expect(relayed.status).toBe(200);
    expect(relayed.body.verifierKey).toBe(ed25519VerifierKey(ORIGIN_B, rawPublicKey(keyB)));
    expect(parseCheckpoint(relayed.body.checkpoint).origin).toBe(ORIGIN_B);
  });

  it('refuses a remote bundle whose checkpoint the peer log key did not sign (exit 7)', async () => {
    // b.test itself lies (it signs its answer), but with a log its log key did not sign.
    proxy.forgery = {
      signWith: keyB,
      rewrite: (r, body) =>
        isClaimOf(r, 'bob') ? provenIn(new MemoryLog(ORIGIN_B), body.transparency).then((t) => ({ ...body, transparency: t })) : body,
    };
    const result = await dave.run('send', 'bob@b.test', 'must not arrive');
    expect([result.code, result.stdout]).toEqual([7, '']);
    expect(result.stderr).toMatch(/checkpoint of b\.test\/parley-keys is not signed by its pinned log key/);
    expect(await bob.inbox()).toEqual([]);
  });

  it('reports a fork of the peer log: a newer checkpoint, signed with its key, that does not extend the one seen (exit 9)', async () => {
    const consistency = new Map<string, string[]>();
    const forged = new MemoryLog(ORIGIN_B, keyB);
    proxy.forgery = {
      signWith: keyB,
      rewrite: async (r, body) => {
        if (!isClaimOf(r, 'frank')) return body;
        // A history of b.test's making, longer than the real one, with frank's real leaf at its end.
        const realSize = parseCheckpoint(body.transparency.checkpoint).size;
        for (let i = 0; i <= realSize; i++) forged.append(Buffer.from(`made-up leaf ${i}`));
        const transparency = await provenIn(forged, body.transparency);
        for (let from = 1; from < forged.size; from++) consistency.set(`${from}&to=${forged.size}`, await forged.consistency(from));
        return { ...body, transparency };
      },
      answer: (r) => {
        const proof = /^\/v1\/transparency\/consistency\?from=(.*)$/.exec(r.path);
        const hashes = proof && consistency.get(proof[1]);
        return hashes ? { status: 200, body: { from: Number(proof[1].split('&')[0]), to: forged.size, proof: hashes } } : null;
      },
    };
    const result = await alice.run('send', 'frank@b.test', 'must not arrive');
    expect([result.code, result.stdout]).toEqual([9, '']);
    expect(result.stderr).toMatch(/key log of b\.test\/parley-keys forked: the newer checkpoint does not extend/);
    expect(proxy.requests.some((r) => r.path.startsWith('/v1/transparency/consistency'))).toBe(true);
    expect(await frank.inbox()).toEqual([]);
  });
});
