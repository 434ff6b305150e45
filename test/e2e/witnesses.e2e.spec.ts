import { createServer, Server } from 'node:http';
import { KeyObject } from 'node:crypto';
import type { AddCheckpointRequest, CheckpointResponse, EquivocationsResponse } from '@parley/protocol';
import {
  consistencyProofRanges,
  ed25519KeyId,
  hashLeaf,
  parseCheckpoint,
  parseNote,
  parseVerifierKey,
  signCheckpoint,
  treeHash,
  verifyCheckpoint,
  verifyConsistency,
  verifyCosignature,
} from '@parley/transparency';
import { freePort } from '@parley/testkit';
import {
  FederationHeader,
  generateServerKey,
  loadPrivateKey,
  newNonce,
  publicKeyFromRaw,
  rawPublicKey,
  signRequest,
  signResponse,
} from '../../apps/server/src/federation/signature';
import { api, newUser } from '../support/fixtures';
import { metric } from '../support/federation';
import { startServer, TestServer } from '../support/server';

/**
 * Witnesses and gossip (docs/FEDERATION.md, "Witnessing key logs"), with
 * real server processes: a.test and b.test witness each other's key log.
 * b.test also lists m1…m4.test, whose keys the test holds: it plays those
 * peers' logs, honest or not, with requests and checkpoints signed by
 * their federation keys. m4.test is a tiny HTTP server that answers bundle
 * claims with a checkpoint of its choosing (gossip).
 */
const FAST = {
  WITNESS_SUBMIT_INTERVAL_MS: '100',
  FEDERATION_RETRY_BASE_MS: '200',
  FEDERATION_RETRY_MAX_MS: '800',
  FEDERATION_REQUEST_TIMEOUT_MS: '3000',
};
const MALICIOUS = ['m1.test', 'm2.test', 'm3.test', 'm4.test'] as const;
const PATH = '/federation/v1/witness/add-checkpoint';

const leaves = Array.from({ length: 16 }, (_, i) => hashLeaf(Buffer.from(`leaf ${i}`)));
const rewritten = Array.from({ length: 16 }, (_, i) => hashLeaf(Buffer.from(`rewritten leaf ${i}`)));
const proof = (hashes: Buffer[], from: number, to: number) =>
  consistencyProofRanges(from, to).map((r) => treeHash(hashes.slice(r.start, r.end)).toString('base64'));

/** Polls `probe` until it returns something, for at most `timeoutMs`. */
async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('witnesses (docs/FEDERATION.md, "Witnessing key logs")', () => {
  let a: TestServer;
  let b: TestServer;
  let gossiper: Server;
  let gossipCheckpoint = '';
  const keyA = generateServerKey();
  const keys = Object.fromEntries(MALICIOUS.map((d) => [d, loadPrivateKey(generateServerKey())])) as Record<string, KeyObject>;
  let keyB: KeyObject;

  /** A checkpoint of `domain`'s log over the first `size` of `hashes`, signed with `key` (by default the peer's own). */
  const checkpointOf = (domain: string, hashes: Buffer[], size: number, key = keys[domain]) =>
    signCheckpoint({ origin: `${domain}/parley-keys`, size, rootHash: treeHash(hashes.slice(0, size)) }, key);

  /** add-checkpoint to b.test, signed as `origin` with its key. */
  const submit = async (origin: string, body: AddCheckpointRequest) => {
    const bytes = Buffer.from(JSON.stringify(body));
    const headers = signRequest(keys[origin], {
      method: 'POST',
      path: PATH,
      origin,
      destination: 'b.test',
      timestamp: Date.now(),
      nonce: newNonce(),
      body: bytes,
    });
    const res = await fetch(`${b.url}${PATH}`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: bytes,
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const witnessB = () => ({ name: 'b.test/parley-witness', publicKey: keyB });
  const equivocations = async () => (await api<EquivocationsResponse>(b, 'GET', '/v1/transparency/equivocations')).body.equivocations;

  beforeAll(async () => {
    const [portA, portB, portM, portGossip] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    gossiper = createServer((req, res) => {
      req.resume();
      const body = JSON.stringify({
        devices: [],
        deviceList: null,
        transparency: { leafIndex: 0, leaf: '', checkpoint: gossipCheckpoint, inclusionProof: [] },
      });
      // m4.test itself, so its answer is signed with its key for the request it answers (docs/FEDERATION.md, "Response signatures").
      const signed = { responder: 'm4.test', requester: 'b.test', nonce: String(req.headers[FederationHeader.nonce]), status: 200 };
      res.setHeader('content-type', 'application/json');
      res.setHeader(FederationHeader.responseSignature, signResponse(keys['m4.test'], { ...signed, body: Buffer.from(body) }));
      res.end(body);
    });
    await new Promise<void>((resolve) => gossiper.listen(portGossip, '127.0.0.1', resolve));
    const pinned = (d: string, port: number) => `${d}=http://127.0.0.1:${port}#${rawPublicKey(keys[d])}`;
    a = await startServer({
      ...FAST,
      PORT: String(portA),
      PARLEY_DOMAIN: 'a.test',
      PARLEY_PEERS: `b.test=http://127.0.0.1:${portB}`,
      PARLEY_SERVER_KEY: keyA,
    });
    b = await startServer({
      ...FAST,
      PORT: String(portB),
      PARLEY_DOMAIN: 'b.test',
      PARLEY_PEERS: [
        `a.test=http://127.0.0.1:${portA}`,
        pinned('m1.test', portM),
        pinned('m2.test', portM),
        pinned('m3.test', portM),
        pinned('m4.test', portGossip),
      ].join(','),
    });
    const published = (await api(b, 'GET', '/federation/v1/server-key')).body as { publicKey: string };
    keyB = publicKeyFromRaw(published.publicKey)!;
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    gossiper?.close();
  });

  it('gets each log cosigned by its peer, and serves the cosignature with the checkpoint; it verifies as C2SP tlog-cosignature', async () => {
    await newUser(a);
    await newUser(a);
    const cosigned = await eventually(async () => {
      const res = (await api<CheckpointResponse>(a, 'GET', '/v1/transparency/checkpoint')).body;
      return parseNote(res.checkpoint).signatures.some((s) => s.name === 'b.test/parley-witness') ? res : undefined;
    }, 10_000);
    const logKey = parseVerifierKey(cosigned.verifierKey);
    const checkpoint = verifyCheckpoint(cosigned.checkpoint, 'a.test/parley-keys', logKey);
    expect(checkpoint.size).toBeGreaterThanOrEqual(2);
    const cosignature = checkpoint.cosignatures.find((s) => s.name === 'b.test/parley-witness')!;
    const { timestamp } = verifyCosignature(parseNote(cosigned.checkpoint).text, cosignature, witnessB());
    expect(Math.abs(timestamp - Date.now() / 1000)).toBeLessThan(60);
    expect(cosigned.witnessed).toBe(cosigned.checkpoint);
    // And the other way round: b.test's log, witnessed by a.test.
    await newUser(b);
    await eventually(async () => {
      const res = (await api<CheckpointResponse>(b, 'GET', '/v1/transparency/checkpoint')).body;
      return parseNote(res.checkpoint).signatures.some((s) => s.name === 'a.test/parley-witness') || undefined;
    }, 10_000);
    expect(await metric(a, 'parley_witness_submissions_total', 'peer="b.test",outcome="cosigned"')).toBeGreaterThanOrEqual(1);
  });

  it("relays a peer's log to its own clients: the peer's checkpoint under the key it pinned, and consistency proofs", async () => {
    const viewer = await newUser(a);
    const relayed = async () =>
      (await api<CheckpointResponse>(a, 'GET', '/v1/transparency/logs/b.test/checkpoint', undefined, { token: viewer.token })).body;
    const first = await relayed();
    expect(first.verifierKey).toBe((await api<CheckpointResponse>(b, 'GET', '/v1/transparency/checkpoint')).body.verifierKey);
    const logKey = parseVerifierKey(first.verifierKey);
    const older = verifyCheckpoint(first.checkpoint, 'b.test/parley-keys', logKey);
    await newUser(b);
    const newer = await eventually(async () => {
      const checkpoint = verifyCheckpoint((await relayed()).checkpoint, 'b.test/parley-keys', logKey);
      return checkpoint.size > older.size ? checkpoint : undefined;
    }, 5_000);
    const path = `/v1/transparency/logs/b.test/consistency?from=${older.size}&to=${newer.size}`;
    const proof = await api(a, 'GET', path, undefined, { token: viewer.token });
    expect(proof.status).toBe(200);
    verifyConsistency(
      older.size,
      newer.size,
      proof.body.proof.map((h: string) => Buffer.from(h, 'base64')),
      older.rootHash,
      newer.rootHash,
    );
    // b.test's refusal comes back as it is.
    const beyond = await api(a, 'GET', `/v1/transparency/logs/b.test/consistency?from=1&to=${newer.size + 1000}`, undefined, {
      token: viewer.token,
    });
    expect([beyond.status, beyond.body.error]).toEqual([400, 'tree_size_out_of_range']);
  });

  it('refuses a forged checkpoint (not signed by the peer’s pinned key) with 403, and another log’s with 404', async () => {
    const forged = checkpointOf('m1.test', leaves, 3, loadPrivateKey(generateServerKey()));
    expect(await submit('m1.test', { oldSize: 0, proof: [], checkpoint: forged })).toMatchObject({
      status: 403,
      body: { error: 'invalid_checkpoint_signature' },
    });
    // m1 may not have b.test cosign another peer's log, even one it signed itself.
    const other = signCheckpoint({ origin: 'a.test/parley-keys', size: 3, rootHash: treeHash(leaves.slice(0, 3)) }, keys['m1.test']);
    expect(await submit('m1.test', { oldSize: 0, proof: [], checkpoint: other })).toMatchObject({
      status: 404,
      body: { error: 'unknown_log' },
    });
    // The genuine one is cosigned: the refusals above stored nothing.
    const genuine = checkpointOf('m1.test', leaves, 3);
    const res = await submit('m1.test', { oldSize: 0, proof: [], checkpoint: genuine });
    expect(res.status).toBe(200);
    const line = parseNote(genuine + res.body.cosignatures).signatures[1];
    verifyCosignature(parseNote(genuine).text, line, witnessB());
  });

  it('refuses a rollback and a rewritten history, and keeps the rewrite as evidence', async () => {
    expect((await submit('m2.test', { oldSize: 0, proof: [], checkpoint: checkpointOf('m2.test', leaves, 4) })).status).toBe(200);
    expect(
      (await submit('m2.test', { oldSize: 4, proof: proof(leaves, 4, 9), checkpoint: checkpointOf('m2.test', leaves, 9) })).status,
    ).toBe(200);
    // Rollback to a smaller tree: refused whichever old size it claims.
    expect(await submit('m2.test', { oldSize: 9, proof: [], checkpoint: checkpointOf('m2.test', leaves, 6) })).toMatchObject({
      status: 400,
      body: { error: 'tree_size_out_of_range' },
    });
    expect(
      await submit('m2.test', { oldSize: 4, proof: proof(leaves, 4, 6), checkpoint: checkpointOf('m2.test', leaves, 6) }),
    ).toMatchObject({
      status: 409,
      body: { error: 'old_size_mismatch', latestSize: 9 },
    });
    // Rewritten history: a larger tree whose first 9 leaves differ, with a proof that is consistent only with the rewrite.
    const rewrite = checkpointOf('m2.test', rewritten, 12);
    expect(await submit('m2.test', { oldSize: 9, proof: proof(rewritten, 9, 12), checkpoint: rewrite })).toMatchObject({
      status: 422,
      body: { error: 'inconsistent_checkpoint' },
    });
    const record = (await equivocations()).find((e) => e.origin === 'm2.test/parley-keys')!;
    expect(record).toMatchObject({ kind: 'inconsistent', source: 'submission', secondCheckpoint: rewrite });
    expect(parseCheckpoint(record.firstCheckpoint).size).toBe(9);
    // Nothing more of that log is cosigned, even a consistent continuation.
    expect(
      await submit('m2.test', { oldSize: 9, proof: proof(leaves, 9, 10), checkpoint: checkpointOf('m2.test', leaves, 10) }),
    ).toMatchObject({
      status: 422,
      body: { error: 'log_equivocated' },
    });
  });

  it('catches an equivocating log (two validly signed checkpoints of one size) with both as evidence, and cosigns nothing more of it', async () => {
    const first = checkpointOf('m3.test', leaves, 5);
    const second = checkpointOf('m3.test', rewritten, 5);
    expect((await submit('m3.test', { oldSize: 0, proof: [], checkpoint: first })).status).toBe(200);
    expect(await submit('m3.test', { oldSize: 5, proof: [], checkpoint: second })).toMatchObject({
      status: 422,
      body: { error: 'log_equivocated' },
    });
    const record = (await equivocations()).find((e) => e.origin === 'm3.test/parley-keys')!;
    expect(record).toMatchObject({ kind: 'fork', source: 'submission', firstCheckpoint: first, secondCheckpoint: second, proof: null });
    // The evidence stands on its own: both verify with the log's key, same size, different roots.
    const vkey = {
      name: 'm3.test/parley-keys',
      keyId: ed25519KeyId('m3.test/parley-keys', Buffer.from(rawPublicKey(keys['m3.test']), 'base64')),
      publicKey: keys['m3.test'],
    };
    const [one, two] = [record.firstCheckpoint, record.secondCheckpoint].map((n) => verifyCheckpoint(n, 'm3.test/parley-keys', vkey));
    expect(one.size).toBe(two.size);
    expect(one.rootHash.equals(two.rootHash)).toBe(false);
    expect(await metric(b, 'parley_witness_equivocations_total', 'log="m3.test/parley-keys",kind="fork",source="submission"')).toBe(1);
    expect(
      await submit('m3.test', { oldSize: 5, proof: proof(leaves, 5, 7), checkpoint: checkpointOf('m3.test', leaves, 7) }),
    ).toMatchObject({
      status: 422,
      body: { error: 'log_equivocated' },
    });
  });

  it('catches a log showing a relayed bundle another root than the checkpoint it had cosigned (gossip)', async () => {
    expect((await submit('m4.test', { oldSize: 0, proof: [], checkpoint: checkpointOf('m4.test', leaves, 6) })).status).toBe(200);
    const bob = await newUser(b);
    gossipCheckpoint = checkpointOf('m4.test', rewritten, 6);
    await api(b, 'GET', '/v1/keys/mallory@m4.test', undefined, { token: bob.token });
    const record = await eventually(async () => (await equivocations()).find((e) => e.origin === 'm4.test/parley-keys'), 5_000);
    expect(record).toMatchObject({
      kind: 'fork',
      source: 'gossip',
      firstCheckpoint: checkpointOf('m4.test', leaves, 6),
      secondCheckpoint: gossipCheckpoint,
    });
    expect(await submit('m4.test', { oldSize: 6, proof: [], checkpoint: checkpointOf('m4.test', leaves, 6) })).toMatchObject({
      status: 422,
      body: { error: 'log_equivocated' },
    });
  });
});
