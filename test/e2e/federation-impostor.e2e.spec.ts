import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { PreKeyBundleResponse } from '@parley/protocol';
import { freePort } from '@parley/testkit';
import {
  FederationHeader,
  generateServerKey,
  loadPrivateKey,
  newNonce,
  rawPublicKey,
  signRequest,
} from '../../apps/server/src/federation/signature';
import { api, newUser, TestDevice } from '../support/fixtures';
import { admin, FAST_RETRIES, metric, opaqueTo } from '../support/federation';
import { HttpRewriteProxy, ProxiedRequest } from '../support/http-proxy';
import { startServer, TestServer } from '../support/server';
import { openSocket, until } from '../support/sockets';

/**
 * An impostor on the path between two servers (docs/FEDERATION.md,
 * "Response signatures"): a.test reaches b.test through a proxy that
 * answers for b.test. Answers not signed by b.test's key for a.test's
 * request are taken as no answer at all: a bundle fetch is 503
 * peer_unavailable, a send stays in the outbox until b.test itself answers.
 */
describe('federation answers from an impostor on the path', () => {
  let a: TestServer;
  let b: TestServer;
  let proxy: HttpRewriteProxy;
  const keyA = generateServerKey();
  const keyB = generateServerKey();
  const stranger = generateKeyPairSync('ed25519').privateKey;

  const isClaim = (r: ProxiedRequest) => r.path === '/federation/v1/keys/claim';
  const isFanout = (r: ProxiedRequest) => r.path === '/federation/v1/messages';
  const fetchBundle = (alice: TestDevice, bob: TestDevice) =>
    api<PreKeyBundleResponse>(a, 'GET', `/v1/keys/${bob.username}@b.test`, undefined, { token: alice.token });
  const send = (alice: TestDevice, bob: TestDevice, timestamp: number) =>
    api(a, 'PUT', `/v1/messages/${bob.username}@b.test`, { timestamp, messages: opaqueTo([bob]) }, { token: alice.token });
  const signatureFailures = () => metric(a, 'parley_federation_response_signature_failures_total', 'peer="b.test"');

  /** A genuine answer of b.test, signed for a request of a.test's that the test makes itself (with a.test's key) through no proxy. */
  async function genuineAnswer(path: string, payload: object) {
    const body = Buffer.from(JSON.stringify(payload));
    const headers = signRequest(loadPrivateKey(keyA), {
      method: 'POST',
      path,
      origin: 'a.test',
      destination: 'b.test',
      timestamp: Date.now(),
      nonce: newNonce(),
      body,
    });
    const res = await fetch(`${b.url}${path}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
    const signature = res.headers.get(FederationHeader.responseSignature);
    expect(signature).toBeTruthy();
    return { status: res.status, body: await res.json(), headers: { [FederationHeader.responseSignature]: signature! } };
  }

  beforeAll(async () => {
    const [portA, portB] = await Promise.all([freePort(), freePort()]);
    proxy = await HttpRewriteProxy.start(`http://127.0.0.1:${portB}`);
    // Both keys given in config: nothing about them is learned through the proxy.
    a = await startServer({
      ...FAST_RETRIES,
      PORT: String(portA),
      PARLEY_DOMAIN: 'a.test',
      PARLEY_SERVER_KEY: keyA,
      PARLEY_PEERS: `b.test=${proxy.url}#${rawPublicKey(loadPrivateKey(keyB))}`,
    });
    b = await startServer({
      PORT: String(portB),
      PARLEY_DOMAIN: 'b.test',
      PARLEY_SERVER_KEY: keyB,
      PARLEY_PEERS: `a.test=http://127.0.0.1:${portA}#${rawPublicKey(loadPrivateKey(keyA))}`,
    });
  });
  afterEach(() => {
    proxy.forgery = {};
  });
  afterAll(async () => {
    await proxy?.close();
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('takes b.test’s own signed answers, passed on faithfully, errors included', async () => {
    const alice = await newUser(a);
    const bob = await newUser(b);
    expect((await fetchBundle(alice, bob)).status).toBe(200);
    expect((await send(alice, bob, 1)).status).toBe(200);
    expect(await api(a, 'GET', '/v1/keys/nobody_there@b.test', undefined, { token: alice.token })).toMatchObject({
      status: 404,
      body: { error: 'unknown_address' },
    });
    expect(await signatureFailures()).toBeNull();
  });

  it.each([
    [
      'invented and unsigned',
      (bundle: unknown) => ({ answer: (r: ProxiedRequest) => (isClaim(r) ? { status: 200, body: bundle } : null) }),
    ],
    [
      'invented and signed with another key',
      (bundle: unknown) => ({ signWith: stranger, answer: (r: ProxiedRequest) => (isClaim(r) ? { status: 200, body: bundle } : null) }),
    ],
    [
      'b.test’s answer altered, with b.test’s signature of the original',
      () => ({ rewrite: (_r: ProxiedRequest, body: any) => ({ ...body, devices: [] }) }),
    ],
  ])('refuses a bundle %s: 503 peer_unavailable', async (_name, forgery) => {
    const alice = await newUser(a);
    const bob = await newUser(b);
    const before = (await signatureFailures()) ?? 0;
    // Well formed: b.test's real bundle of another user, with that user's address.
    const other = await newUser(b);
    const { body: bundle } = await genuineAnswer('/federation/v1/keys/claim', { requester: 'mallet@a.test', username: other.username });
    proxy.forgery = forgery(bundle);
    expect(await fetchBundle(alice, bob)).toMatchObject({ status: 503, body: { error: 'peer_unavailable' } });
    expect(await signatureFailures()).toBe(before + 1);
  });

  it('refuses b.test’s genuine answer replayed to another request (signed for another nonce)', async () => {
    const alice = await newUser(a);
    const bob = await newUser(b);
    const replayed = await genuineAnswer('/federation/v1/keys/claim', { requester: `${alice.username}@a.test`, username: bob.username });
    expect(replayed.status).toBe(200);
    proxy.forgery = { answer: (r) => (isClaim(r) ? replayed : null) };
    expect(await fetchBundle(alice, bob)).toMatchObject({ status: 503, body: { error: 'peer_unavailable' } });
  });

  it('keeps a send in the outbox when an impostor answers the relay, and delivers it once b.test itself answers', async () => {
    const alice = await newUser(a);
    const bob = await newUser(b);
    // A genuine 200 of b.test for another transaction, replayed; then an unsigned 409 that would drop the send.
    const stored = await genuineAnswer('/federation/v1/messages', {
      transactionId: randomUUID(),
      source: `${alice.username}@a.test`,
      sourceDeviceId: 1,
      destination: bob.username,
      timestamp: 1,
      messages: opaqueTo([bob]),
    });
    expect(stored.status).toBe(200);
    const forged = [stored, { status: 409, body: { error: 'mismatched_devices', missingDevices: [], extraDevices: [bob.deviceId] } }];
    let answered = 0;
    proxy.forgery = { answer: (r) => (isFanout(r) ? forged[Math.min(answered++, 1)] : null) };
    expect((await send(alice, bob, 2)).status).toBe(202);
    // Retried after the forged 200 and after the forged 409: neither was taken as b.test's word.
    await until(() => answered >= 3, 10_000, 'the outbox to retry through the impostor');
    const queued = (await api(b, 'GET', '/v1/messages', undefined, { token: bob.token })).body.messages;
    expect(queued.map((e: { timestamp: number }) => e.timestamp)).toEqual([1]);
    proxy.forgery = {};
    const socket = await openSocket(b, bob.token);
    try {
      const envelopes = await socket.waitForEnvelopes(2, 20_000);
      expect(envelopes.map((e) => e.timestamp)).toEqual([1, 2]);
    } finally {
      socket.close();
    }
  }, 60_000);

  // Last: it stops a.test.
  it('parley-admin peers counts the refused answers and names the last one', async () => {
    const seen = await signatureFailures();
    await a.kill(); // embedded storage admits one process at a time
    const peers = admin(a, 'peers').out;
    expect(peers).toMatch(new RegExp(`b\\.test\\s.*\\s${seen}\\s+\\S+ bad_response_signature \\((unsigned|badly signed) http_\\d+\\)`));
  }, 60_000);
});
