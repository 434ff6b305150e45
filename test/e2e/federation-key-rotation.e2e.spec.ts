import { createServer, Server } from 'node:http';
import { KeyObject, randomUUID } from 'node:crypto';
import type { CheckpointResponse } from '@parley/protocol';
import {
  ed25519VerifierKey,
  formatNote,
  keyRotationText,
  parseNote,
  parseVerifierKey,
  serverKeyNameOf,
  signKeyRotation,
  signNote,
  verifyCheckpoint,
} from '@parley/transparency';
import { freePort } from '@parley/testkit';
import { generateServerKey, loadPrivateKey, newNonce, rawPublicKey, signRequest } from '../../apps/server/src/federation/signature';
import { api, newUser, TestDevice } from '../support/fixtures';
import { admin, FAST_RETRIES, metric, opaqueTo } from '../support/federation';
import { startServer, TestServer, usingRealServices } from '../support/server';
import { openSocket, until } from '../support/sockets';

/**
 * Server key rotation (docs/FEDERATION.md, "Rotating this server's key"):
 * b.test rotates its key with parley-admin and a.test, which pinned the old
 * key on first contact, follows the signed rotation without an unpin.
 * m1…m6.test are peers of a.test that the test plays, behind a tiny HTTP
 * server publishing whatever key document the test chooses: the test
 * holds their keys, so it can sign rotations, honest or forged.
 */
const FAKE_PEERS = ['m1.test', 'm2.test', 'm3.test', 'm4.test', 'm5.test', 'm6.test', 'm7.test'] as const;
type FakePeer = (typeof FAKE_PEERS)[number];

describe('server key rotation (docs/FEDERATION.md)', () => {
  let a: TestServer;
  let b: TestServer;
  let portB: number;
  let fakes: Server;
  const keyA = generateServerKey();
  const pinnedKeys = Object.fromEntries(FAKE_PEERS.map((d) => [d, loadPrivateKey(generateServerKey())])) as Record<FakePeer, KeyObject>;
  /** What each fake peer publishes at GET /federation/v1/server-key. */
  const documents = new Map<string, { domain: string; publicKey: string; rotations: string[] }>();
  const raw = (key: KeyObject) => rawPublicKey(key);
  const publish = (domain: FakePeer, key: KeyObject, rotations: string[] = []) =>
    documents.set(domain, { domain, publicKey: raw(key), rotations });

  /** A fan-out from mallory@`origin` to alice, signed with `key`, straight to a.test. */
  async function sendAs(origin: FakePeer, key: KeyObject, alice: TestDevice, to: TestServer = a) {
    const body = Buffer.from(
      JSON.stringify({
        transactionId: randomUUID(),
        source: `mallory@${origin}`,
        sourceDeviceId: 1,
        destination: alice.username,
        timestamp: Date.now(),
        messages: opaqueTo([alice]),
      }),
    );
    const path = '/federation/v1/messages';
    const headers = signRequest(key, {
      method: 'POST',
      path,
      origin,
      destination: 'a.test',
      timestamp: Date.now(),
      nonce: newNonce(),
      body,
    });
    return (await fetch(`${to.url}${path}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body })).status;
  }

  const followed = (peer: string) => metric(a, 'parley_federation_peer_key_rotations_total', `peer="${peer}",outcome="followed"`);
  const refused = (peer: string) => metric(a, 'parley_federation_peer_key_rotations_total', `peer="${peer}",outcome="refused"`);

  beforeAll(async () => {
    const [portA, portFakes] = await Promise.all([freePort(), freePort()]);
    portB = await freePort();
    fakes = createServer((req, res) => {
      req.resume();
      const document = documents.get(String(req.url).split('/')[1]);
      res.statusCode = document ? 200 : 404;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(document ?? {}));
    });
    await new Promise<void>((resolve) => fakes.listen(portFakes, '127.0.0.1', resolve));
    for (const domain of FAKE_PEERS) publish(domain, pinnedKeys[domain]);
    const fake = (d: FakePeer) => `${d}=http://127.0.0.1:${portFakes}/${d}${d === 'm6.test' ? `#${raw(pinnedKeys[d])}` : ''}`;
    // a.test pins b.test's key on first contact; m6.test's key is given in config.
    a = await startServer({
      ...FAST_RETRIES,
      WITNESS_SUBMIT_INTERVAL_MS: '200',
      PORT: String(portA),
      PARLEY_DOMAIN: 'a.test',
      PARLEY_SERVER_KEY: keyA,
      PARLEY_PEERS: [`b.test=http://127.0.0.1:${portB}`, ...FAKE_PEERS.map(fake)].join(','),
    });
    // b.test keeps its key in the database, so parley-admin can rotate it.
    b = await startServer({
      ...FAST_RETRIES,
      WITNESS_SUBMIT_INTERVAL_MS: '200',
      PORT: String(portB),
      PARLEY_DOMAIN: 'b.test',
      PARLEY_PEERS: `a.test=http://127.0.0.1:${portA}#${raw(loadPrivateKey(keyA))}`,
    });
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    fakes?.close();
  });

  it('after `parley-admin server-key rotate` on b.test, a.test follows the rotation without unpin: messages both ways, key log witnessed', async () => {
    const alice = await newUser(a);
    const bob = await newUser(b);
    // a.test pins b.test's key on first contact.
    expect((await api(a, 'GET', `/v1/keys/${bob.username}@b.test`, undefined, { token: alice.token })).status).toBe(200);
    const before = (await api(b, 'GET', '/federation/v1/server-key')).body;
    expect(before.rotations).toEqual([]);

    await b.kill(); // embedded storage admits one process at a time
    const rotated = admin(b, 'server-key', 'rotate');
    expect(rotated).toMatchObject({ status: 0, out: expect.stringContaining(`rotated the server key of b.test: ${before.publicKey} -> `) });
    b = await b.sibling({ PORT: String(portB) });
    // With PostgreSQL the new key takes effect ROTATION_DELAY_MS after the rotation; with embedded storage at once.
    let after = before;
    for (let i = 0; i < 60 && after.publicKey === before.publicKey; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 500));
      after = (await api(b, 'GET', '/federation/v1/server-key')).body;
    }
    expect(after.publicKey).not.toBe(before.publicKey);
    expect(after.rotations).toHaveLength(1);
    expect(after.rotations[0]).toContain(`previous ${before.publicKey}\nnext ${after.publicKey}\n`);

    // b.test's request (signed with the new key) is admitted, and b.test's answers to a.test are taken.
    const bobToAlice = await api(
      b,
      'PUT',
      `/v1/messages/${alice.username}@a.test`,
      { timestamp: 1, messages: opaqueTo([alice]) },
      { token: bob.token },
    );
    const aliceToBob = await api(
      a,
      'PUT',
      `/v1/messages/${bob.username}@b.test`,
      { timestamp: 2, messages: opaqueTo([bob]) },
      { token: alice.token },
    );
    expect([bobToAlice.status, aliceToBob.status]).toEqual([200, 200]);
    const [aliceSocket, bobSocket] = await Promise.all([openSocket(a, alice.token), openSocket(b, bob.token)]);
    try {
      expect((await aliceSocket.waitForEnvelopes(1, 20_000))[0]).toMatchObject({ source: `${bob.username}@b.test`, timestamp: 1 });
      expect((await bobSocket.waitForEnvelopes(1, 20_000))[0]).toMatchObject({ source: `${alice.username}@a.test`, timestamp: 2 });
    } finally {
      aliceSocket.close();
      bobSocket.close();
    }
    expect(await followed('b.test')).toBe(1);
    expect(await metric(a, 'parley_federation_inbound_total', 'outcome="rejected_bad_signature"')).toBeNull();

    // The key log: b.test's checkpoints are now signed by the new key, and a.test, as b.test's witness, cosigns a new one.
    await newUser(b);
    const { verifierKey, keyRotations } = (await api<CheckpointResponse>(b, 'GET', '/v1/transparency/checkpoint')).body;
    expect(keyRotations).toEqual(after.rotations); // what a client that pinned the old log key follows
    expect(verifierKey).toBe(ed25519VerifierKey('b.test/parley-keys', Buffer.from(after.publicKey, 'base64')));
    const logKey = parseVerifierKey(verifierKey);
    let witnessed = '';
    for (let i = 0; i < 200 && !witnessed.includes('a.test/parley-witness'); i++) {
      witnessed = (await api<CheckpointResponse>(b, 'GET', '/v1/transparency/checkpoint')).body.checkpoint;
      await new Promise((r) => setTimeout(r, 200));
    }
    const checkpoint = verifyCheckpoint(witnessed, 'b.test/parley-keys', logKey);
    expect(checkpoint.cosignatures.map((s) => s.name)).toContain('a.test/parley-witness');
    // a.test's clients get b.test's log relayed with the new key.
    const relayed = (await api<CheckpointResponse>(a, 'GET', '/v1/transparency/logs/b.test/checkpoint', undefined, { token: alice.token }))
      .body;
    expect(relayed).toMatchObject({ verifierKey, keyRotations: after.rotations });
  }, 150_000);

  it('follows a genuine rotation published by a peer it plays (m1.test): a request signed by the new key is admitted', async () => {
    const alice = await newUser(a);
    expect(await sendAs('m1.test', pinnedKeys['m1.test'], alice)).toBe(200); // pins m1's key on first contact
    const next = loadPrivateKey(generateServerKey());
    publish('m1.test', next, [signKeyRotation({ domain: 'm1.test', time: Date.now() }, pinnedKeys['m1.test'], next)]);
    expect(await sendAs('m1.test', next, alice)).toBe(200);
    expect(await followed('m1.test')).toBe(1);
  });

  // PostgreSQL only: embedded storage admits one process per data dir.
  (usingRealServices() ? it : it.skip)(
    'follows a rotation once across two processes of a.test: both admit the new key, the first one re-pins',
    async () => {
      const second = await a.sibling();
      try {
        const alice = await newUser(a);
        expect(await sendAs('m7.test', pinnedKeys['m7.test'], alice)).toBe(200);
        const next = loadPrivateKey(generateServerKey());
        publish('m7.test', next, [signKeyRotation({ domain: 'm7.test', time: Date.now() }, pinnedKeys['m7.test'], next)]);
        const statuses = await Promise.all([a, second, a, second].map((to) => sendAs('m7.test', next, alice, to)));
        expect(statuses).toEqual([200, 200, 200, 200]);
        const count = async (server: TestServer) =>
          (await metric(server, 'parley_federation_peer_key_rotations_total', 'peer="m7.test",outcome="followed"')) ?? 0;
        expect((await count(a)) + (await count(second))).toBe(1);
      } finally {
        await second.stop();
      }
    },
    90_000,
  );

  /** Rotations a stranger (an impostor who never held the pinned key) can publish for `domain`. */
  const stranger = loadPrivateKey(generateServerKey());
  const forgeries: [string, FakePeer, () => string[]][] = [
    ['a new key with no chain at all', 'm2.test', () => []],
    [
      'a chain that does not start at the pinned key',
      'm3.test',
      () => {
        const other = loadPrivateKey(generateServerKey());
        return [signKeyRotation({ domain: 'm3.test', time: Date.now() }, other, stranger)];
      },
    ],
    [
      'a link from the pinned key signed by the wrong key',
      'm4.test',
      () => {
        const text = keyRotationText({ domain: 'm4.test', previous: raw(pinnedKeys['m4.test']), next: raw(stranger), time: Date.now() });
        const signatures = [stranger, loadPrivateKey(generateServerKey())].flatMap(
          (key) => parseNote(signNote(text, serverKeyNameOf('m4.test'), key)).signatures,
        );
        return [formatNote({ text, signatures })];
      },
    ],
    [
      'a genuine statement of another domain',
      'm5.test',
      () => [signKeyRotation({ domain: 'm1.test', time: Date.now() }, pinnedKeys['m5.test'], stranger)],
    ],
  ];
  it.each(forgeries)('refuses %s (%s): 401, logged, and the pinned key still admitted', async (_name, domain, rotations) => {
    const alice = await newUser(a);
    expect(await sendAs(domain, pinnedKeys[domain], alice)).toBe(200); // pins the key on first contact
    publish(domain, stranger, rotations());
    expect(await sendAs(domain, stranger, alice)).toBe(401);
    expect(await refused(domain)).toBe(1);
    expect(await followed(domain)).toBeNull();
    await until(() => a.output().includes(`peer ${domain} now publishes key ${raw(stranger)}`), 5_000, 'the refusal to be logged');
    expect(await sendAs(domain, pinnedKeys[domain], alice)).toBe(200);
  });

  it('does not replace a key given in PARLEY_PEERS, even through a valid chain: it logs the entry to set', async () => {
    const alice = await newUser(a);
    const next = loadPrivateKey(generateServerKey());
    publish('m6.test', next, [signKeyRotation({ domain: 'm6.test', time: Date.now() }, pinnedKeys['m6.test'], next)]);
    expect(await sendAs('m6.test', next, alice)).toBe(401);
    await until(() => a.output().includes(`set PARLEY_PEERS m6.test=`), 5_000, 'the valid chain to be logged');
    expect(await sendAs('m6.test', pinnedKeys['m6.test'], alice)).toBe(200);
  });
});
