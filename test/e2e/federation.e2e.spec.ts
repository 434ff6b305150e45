import { generateKeyPairSync, KeyObject, randomBytes, randomUUID } from 'node:crypto';
import { ProtocolAddress } from '@signalapp/libsignal-client';
import { ContactTrust, decryptMessage, encryptMessage, MemoryContactStore, MemoryProtocolStore, startSession } from '@parley/crypto';
import type { DeliveryFailed, OutgoingMessage, PreKeyBundleResponse } from '@parley/protocol';
import { freePort } from '@parley/testkit';
import { generateServerKey, loadPrivateKey, newNonce, rawPublicKey, signRequest } from '../../apps/server/src/federation/signature';
import { api, newAccount, newDevice, newUser, TestDevice } from '../support/fixtures';
import { admin, FAST_RETRIES, metric, opaqueTo } from '../support/federation';
import { startServer, TestServer, usingRealServices } from '../support/server';
import { openSocket, TestSocket, until } from '../support/sockets';

/**
 * Federation (API.md section 5, docs/FEDERATION.md) between real server
 * processes on loopback: a.test and b.test are peers of each other; c.test
 * lists b.test as a peer but b.test does not list c.test.
 */

const text = (s: string) => new Uint8Array(Buffer.from(s));

describe('federation (API.md section 5)', () => {
  let a: TestServer;
  let b: TestServer;
  let c: TestServer;
  const originals: TestServer[] = [];
  const sockets: TestSocket[] = [];
  const keyA = generateServerKey();
  let portA: number;
  let portB: number;

  const connect = async (server: TestServer, device: TestDevice) => {
    const s = await openSocket(server, device.token);
    sockets.push(s);
    return s;
  };
  const send = (server: TestServer, from: TestDevice, address: string, messages: OutgoingMessage[], extra: Record<string, unknown> = {}) =>
    api(server, 'PUT', `/v1/messages/${address}`, { timestamp: Date.now(), messages, ...extra }, { token: from.token });
  const failures = (socket: TestSocket) => {
    const seen: DeliveryFailed[] = [];
    socket.socket.on('delivery:failed', (f) => seen.push(f));
    return seen;
  };

  /** A request to B's federation routes signed as `origin` with `key`, optionally spoiled in one way. */
  const signedToB = async (
    path: string,
    payload: object,
    options: {
      origin?: string;
      key?: KeyObject;
      destination?: string;
      timestamp?: number;
      nonce?: string;
      tamper?: boolean;
      headers?: Record<string, string>;
    } = {},
  ) => {
    const body = Buffer.from(JSON.stringify(payload));
    const headers =
      options.headers ??
      signRequest(options.key ?? loadPrivateKey(keyA), {
        method: 'POST',
        path,
        origin: options.origin ?? 'a.test',
        destination: options.destination ?? 'b.test',
        timestamp: options.timestamp ?? Date.now(),
        nonce: options.nonce ?? newNonce(),
        body,
      });
    const sent = options.tamper ? Buffer.from(JSON.stringify({ ...payload, timestamp: 1 })) : body;
    const res = await fetch(`${b.url}${path}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: sent });
    return { status: res.status, body: await res.json().catch(() => undefined), headers };
  };

  beforeAll(async () => {
    [portA, portB] = await Promise.all([freePort(), freePort()]);
    const portC = await freePort();
    const peerA = `a.test=http://127.0.0.1:${portA}`;
    const peerB = `b.test=http://127.0.0.1:${portB}`;
    // One at a time: embedded PostgreSQL start-ups are heavy on a small CI machine.
    a = await startServer({ ...FAST_RETRIES, PORT: String(portA), PARLEY_DOMAIN: 'a.test', PARLEY_PEERS: peerB, PARLEY_SERVER_KEY: keyA });
    originals.push(a);
    // B learns A's key on first contact (trust on first use) and throttles remote bundle fetches hard.
    b = await startServer({
      ...FAST_RETRIES,
      PORT: String(portB),
      PARLEY_DOMAIN: 'b.test',
      PARLEY_PEERS: peerA,
      RATE_LIMITS: 'federationKeyFetch=5/3600,peerKeyFetchPerTarget=10/3600',
    });
    originals.push(b);
    c = await startServer({ ...FAST_RETRIES, PORT: String(portC), PARLEY_DOMAIN: 'c.test', PARLEY_PEERS: peerB });
    originals.push(c);
  });
  afterEach(() => {
    sockets.splice(0).forEach((s) => s.close());
  });
  afterAll(async () => {
    for (const server of new Set([a, b, c])) await server?.stop().catch(() => undefined);
    for (const server of originals) await server.stop();
  });

  it('publishes its domain and Ed25519 public key', async () => {
    const res = await api(a, 'GET', '/federation/v1/server-key');
    expect(res).toMatchObject({ status: 200, body: { domain: 'a.test', publicKey: rawPublicKey(loadPrivateKey(keyA)) } });
    const generated = await api(b, 'GET', '/federation/v1/server-key');
    expect(Buffer.from(generated.body.publicKey, 'base64')).toHaveLength(32);
  });

  it('carries a real libsignal conversation between two servers, both directions, several devices each', async () => {
    const aliceAccount = await newAccount(a);
    const alice1 = await newDevice(a, aliceAccount);
    const alice2 = await newDevice(a, aliceAccount);
    const bobAccount = await newAccount(b);
    const bob1 = await newDevice(b, bobAccount);
    const bob2 = await newDevice(b, bobAccount);
    const aliceAddress = `${aliceAccount.username}@a.test`;
    const bobAddress = `${bobAccount.username}@b.test`;
    // Each side names the other by its full address, as its envelopes' `source` does.
    const addr = (d: TestDevice) => ProtocolAddress.new(d.account === aliceAccount ? aliceAddress : bobAddress, d.deviceId);
    const stores = new Map([alice1, alice2, bob1, bob2].map((d) => [d, new MemoryProtocolStore(d.keys)]));
    const [alice1Socket, alice2Socket, bob1Socket, bob2Socket] = await Promise.all([
      connect(a, alice1),
      connect(a, alice2),
      connect(b, bob1),
      connect(b, bob2),
    ]);

    // alice1 → bob (both devices) through a.test's client routes.
    const bundle = await api<PreKeyBundleResponse>(a, 'GET', `/v1/keys/${bobAddress}`, undefined, { token: alice1.token });
    expect(bundle.status).toBe(200);
    expect(bundle.body.address).toBe(bobAddress);
    expect(bundle.body.devices.map((d) => d.deviceId)).toEqual([bob1.deviceId, bob2.deviceId]);
    // The remote fetch consumed one one-time key of each kind per device, exactly like a local one.
    expect((await api(b, 'GET', '/v1/keys/count', undefined, { token: bob1.token })).body).toEqual({ preKeys: 4, pqPreKeys: 4 });
    const toBob = [];
    for (const device of bundle.body.devices) {
      const bob = device.deviceId === bob1.deviceId ? bob1 : bob2;
      await startSession(stores.get(alice1)!, addr(alice1), addr(bob), device);
      toBob.push(await encryptMessage(stores.get(alice1)!, addr(alice1), addr(bob), text('hello across servers'), device.registrationId));
    }
    expect((await send(a, alice1, bobAddress, toBob)).status).toBe(200);
    for (const [bob, socket] of [
      [bob1, bob1Socket],
      [bob2, bob2Socket],
    ] as const) {
      const [envelope] = await socket.waitForEnvelopes(1);
      expect(envelope).toMatchObject({ source: aliceAddress, sourceDeviceId: alice1.deviceId, type: 3 });
      expect(Buffer.from(await decryptMessage(stores.get(bob)!, addr(bob), addr(alice1), envelope.type, envelope.content)).toString()).toBe(
        'hello across servers',
      );
    }

    // bob1 replies to the address in `source`, over the socket: b.test relays it back to a.test.
    // bob has no session with alice2 yet, so he fetches alice's bundle for that device through b.test.
    const alice2Bundle = await api<PreKeyBundleResponse>(b, 'GET', `/v1/keys/${aliceAddress}/${alice2.deviceId}`, undefined, {
      token: bob1.token,
    });
    expect(alice2Bundle.status).toBe(200);
    await startSession(stores.get(bob1)!, addr(bob1), addr(alice2), alice2Bundle.body.devices[0]);
    const reply = [
      await encryptMessage(stores.get(bob1)!, addr(bob1), addr(alice1), text('hi alice'), alice1.keys.registrationId),
      await encryptMessage(stores.get(bob1)!, addr(bob1), addr(alice2), text('hi alice'), alice2.keys.registrationId),
    ];
    expect((await bob1Socket.send({ destination: aliceAddress, timestamp: Date.now(), messages: reply })).status).toBe(200);
    for (const [alice, socket, type] of [
      [alice1, alice1Socket, 2],
      [alice2, alice2Socket, 3],
    ] as const) {
      const [envelope] = await socket.waitForEnvelopes(1);
      expect(envelope).toMatchObject({ source: bobAddress, sourceDeviceId: bob1.deviceId, type });
      expect(
        Buffer.from(await decryptMessage(stores.get(alice)!, addr(alice), addr(bob1), envelope.type, envelope.content)).toString(),
      ).toBe('hi alice');
    }
    expect(await metric(a, 'parley_federation_last_success_timestamp_seconds', 'peer="b.test"')).toBeGreaterThan(0);
  });

  it('serves bob’s signed device list across federation, untouched; alice’s client accepts it only as bob@b.test’s', async () => {
    const alice = await newUser(a);
    const bob = await newUser(b);
    await newDevice(b, bob.account);
    const bundle = (await api<PreKeyBundleResponse>(a, 'GET', `/v1/keys/${bob.username}@b.test`, undefined, { token: alice.token })).body;
    expect(bundle.deviceList).toEqual(bob.account.deviceList);
    expect(bundle.deviceList!.address).toBe(`${bob.username}@b.test`);
    const devices = bundle.devices.map(({ deviceId, registrationId, identityKey }) => ({ deviceId, registrationId, identityKey }));
    const trust = new ContactTrust(new MemoryContactStore());
    expect(await trust.checkBundle(`${bob.username}@a.test`, { devices, deviceList: bundle.deviceList })).toMatchObject({
      ok: false,
      reason: 'wrong_address',
    });
    expect(await trust.checkBundle(`${bob.username}@b.test`, { devices, deviceList: bundle.deviceList })).toMatchObject({ ok: true });
  });

  it('passes the remote server’s 404, 409 and 410 back verbatim; a non-peer domain is 404', async () => {
    const alice = await newUser(a);
    const bobAccount = await newAccount(b);
    const bob1 = await newDevice(b, bobAccount);
    const bob2 = await newDevice(b, bobAccount);
    const bobAddress = `${bobAccount.username}@b.test`;
    const missing = await send(a, alice, bobAddress, opaqueTo([bob1]));
    expect(missing).toMatchObject({
      status: 409,
      body: { error: 'mismatched_devices', missingDevices: [bob2.deviceId], extraDevices: [] },
    });
    const stale = await send(
      a,
      alice,
      bobAddress,
      opaqueTo([bob1, bob2]).map((m, i) => (i ? { ...m, destinationRegistrationId: (m.destinationRegistrationId % 16000) + 1 } : m)),
    );
    expect(stale).toMatchObject({ status: 410, body: { error: 'stale_devices', staleDevices: [bob2.deviceId] } });
    expect(await send(a, alice, 'nobody_there@b.test', opaqueTo([bob1]))).toMatchObject({
      status: 404,
      body: { error: 'unknown_address' },
    });
    expect(await api(a, 'GET', '/v1/keys/nobody_there@b.test', undefined, { token: alice.token })).toMatchObject({ status: 404 });
    expect(await api(a, 'GET', `/v1/keys/${bobAccount.username}@b.test/99`, undefined, { token: alice.token })).toMatchObject({
      status: 404,
      body: { error: 'unknown_device' },
    });
    expect(await send(a, alice, `${bobAccount.username}@elsewhere.test`, opaqueTo([bob1]))).toMatchObject({
      status: 404,
      body: { error: 'unknown_peer' },
    });
    expect((await api(b, 'GET', '/v1/messages', undefined, { token: bob1.token })).body.messages).toEqual([]);
  });

  it('throttles remote bundle fetches per remote requester', async () => {
    const alice = await newUser(a);
    const other = await newUser(a);
    const bob = await newUser(b, { oneTimeKeys: 20 });
    const fetchAs = (who: TestDevice) => api(a, 'GET', `/v1/keys/${bob.username}@b.test`, undefined, { token: who.token });
    for (let i = 0; i < 5; i++) expect((await fetchAs(alice)).status).toBe(200);
    const refused = await fetchAs(alice);
    expect(refused).toMatchObject({ status: 429, body: { error: 'rate_limited' } });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await fetchAs(other)).status).toBe(200);
  });

  describe('signed server-to-server requests', () => {
    let bob: TestDevice;
    const fanout = (extra: Record<string, unknown> = {}) => ({
      transactionId: randomUUID(),
      source: 'mallet@a.test',
      sourceDeviceId: 1,
      destination: bob.username,
      timestamp: 7,
      messages: opaqueTo([bob]),
      ...extra,
    });
    // A fresh recipient per test, so each can check that nothing reached it.
    beforeEach(async () => {
      bob = await newUser(b);
    });

    it('accepts a well-signed fan-out and refuses the same request replayed (401)', async () => {
      const first = await signedToB('/federation/v1/messages', fanout());
      expect(first.status).toBe(200);
      // Same headers, same body: the nonce was seen.
      const payload = fanout();
      const original = await signedToB('/federation/v1/messages', payload);
      expect(original.status).toBe(200);
      const replay = await signedToB('/federation/v1/messages', payload, { headers: original.headers });
      expect(replay).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
    });

    it('refuses unsigned, badly signed, tampered, stale, misaddressed and non-peer requests with 401', async () => {
      const path = '/federation/v1/messages';
      const unsigned = await fetch(`${b.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(fanout()),
      });
      expect(unsigned.status).toBe(401);
      const stranger = generateKeyPairSync('ed25519').privateKey;
      expect((await signedToB(path, fanout(), { key: stranger })).status).toBe(401);
      expect((await signedToB(path, fanout(), { tamper: true })).status).toBe(401);
      expect((await signedToB(path, fanout(), { timestamp: Date.now() - 6 * 60_000 })).status).toBe(401);
      expect((await signedToB(path, fanout(), { timestamp: Date.now() + 6 * 60_000 })).status).toBe(401);
      expect((await signedToB(path, fanout(), { destination: 'c.test' })).status).toBe(401);
      expect((await signedToB(path, fanout({ source: 'carol@c.test' }), { origin: 'c.test', key: stranger })).status).toBe(401);
      expect(
        (await signedToB('/federation/v1/keys/claim', { requester: 'mallet@a.test', username: bob.username }, { key: stranger })).status,
      ).toBe(401);
      expect((await api(b, 'GET', '/v1/messages', undefined, { token: bob.token })).body.messages).toEqual([]);
    });

    it('caps what one peer domain claims from one target, however many requester names it cycles', async () => {
      const carol = await newUser(b, { oneTimeKeys: 20 });
      const claimAs = (requester: string, username = carol.username) =>
        signedToB('/federation/v1/keys/claim', { requester: `${requester}@a.test`, username });
      // peerKeyFetchPerTarget=10/3600 on b.test (defaults: 100 an hour).
      for (let i = 0; i < 10; i++) expect((await claimAs(`cycled${i}`)).status).toBe(200);
      expect(await claimAs('cycled10')).toMatchObject({ status: 429, body: { error: 'rate_limited' } });
      expect((await api(b, 'GET', '/v1/keys/count', undefined, { token: carol.token })).body).toEqual({ preKeys: 10, pqPreKeys: 10 });
      expect((await claimAs('cycled11', bob.username)).status).toBe(200);
    });

    it('refuses a peer speaking for users of another domain with 403', async () => {
      const foreign = await signedToB('/federation/v1/messages', fanout({ source: 'carol@c.test' }));
      expect(foreign).toMatchObject({ status: 403, body: { error: 'forbidden' } });
      const claim = await signedToB('/federation/v1/keys/claim', { requester: 'carol@c.test', username: bob.username });
      expect(claim.status).toBe(403);
      expect((await api(b, 'GET', '/v1/messages', undefined, { token: bob.token })).body.messages).toEqual([]);
    });

    it('holds a relayed fan-out to the same limits as a local send: 413 over 256 KiB, 400 for a device addressed twice', async () => {
      const [message] = opaqueTo([bob]);
      const oversized = { ...message, content: randomBytes(300 * 1024).toString('base64') };
      expect(await signedToB('/federation/v1/messages', fanout({ messages: [oversized] }))).toMatchObject({
        status: 413,
        body: { error: 'payload_too_large' },
      });
      expect(await signedToB('/federation/v1/messages', fanout({ messages: [message, message] }))).toMatchObject({
        status: 400,
        body: { error: 'validation_failed' },
      });
      // Nested 2,500 levels deep: 400 at the validation pipe, not a stack overflow (500).
      let deep: unknown = [];
      for (let i = 0; i < 2500; i++) deep = [deep];
      expect(await signedToB('/federation/v1/messages', fanout({ messages: [{ ...message, content: deep }] }))).toMatchObject({
        status: 400,
        body: { error: 'validation_failed' },
      });
      expect((await api(b, 'GET', '/v1/messages', undefined, { token: bob.token })).body.messages).toEqual([]);
    });

    it('stores a transaction once however often it is delivered', async () => {
      const account = await newAccount(b);
      const target = await newDevice(b, account);
      const payload = { ...fanout(), destination: account.username, messages: opaqueTo([target]) };
      for (let i = 0; i < 3; i++) expect((await signedToB('/federation/v1/messages', payload)).status).toBe(200);
      const queued = (await api(b, 'GET', '/v1/messages', undefined, { token: target.token })).body.messages;
      expect(queued).toHaveLength(1);
      expect(queued[0]).toMatchObject({ source: 'mallet@a.test', sourceDeviceId: 1, timestamp: 7 });
      // A refused fan-out is not remembered: the corrected retry of the same transaction is stored.
      const second = await newDevice(b, account);
      const retried = { ...payload, transactionId: randomUUID() };
      expect((await signedToB('/federation/v1/messages', retried)).status).toBe(409);
      expect((await signedToB('/federation/v1/messages', { ...retried, messages: opaqueTo([target, second]) })).status).toBe(200);
      expect((await api(b, 'GET', '/v1/messages', undefined, { token: second.token })).body.messages).toHaveLength(1);
    });
  });

  it('keeps a send to a non-peer’s server queued: b.test refuses c.test’s signature', async () => {
    const carol = await newUser(c);
    const bob = await newUser(b);
    expect((await send(c, carol, `${bob.username}@b.test`, opaqueTo([bob]))).status).toBe(202);
    expect(await api(c, 'GET', `/v1/keys/${bob.username}@b.test`, undefined, { token: carol.token })).toMatchObject({
      status: 503,
      body: { error: 'peer_unavailable' },
    });
    await until(() => false, 500).catch(() => undefined);
    expect((await api(b, 'GET', '/v1/messages', undefined, { token: bob.token })).body.messages).toEqual([]);
    // b.test's 401 answers a request it did not admit, so it is unsigned: c.test cannot tell it from an impostor's.
    expect(await metric(c, 'parley_federation_failures_total', 'peer="b.test",reason="bad_response_signature"')).toBeGreaterThan(0);
  });

  it('accepts sends with 202 while the peer is down and delivers each exactly once, in order, after both servers restart', async () => {
    const alice = await newUser(a);
    const bob = await newUser(b);
    const bobAddress = `${bob.username}@b.test`;
    await b.kill();
    for (const timestamp of [101, 102, 103]) {
      expect(await send(a, alice, bobAddress, opaqueTo([bob]), { timestamp })).toMatchObject({ status: 202 });
    }
    await until(() => false, 300).catch(() => undefined);
    // The sender's server goes down too: the outbox is in its database.
    await a.kill();
    a = await a.sibling({ PORT: String(portA) });
    b = await b.sibling({ PORT: String(portB) });
    const socket = await connect(b, bob);
    const envelopes = await socket.waitForEnvelopes(3, 20_000);
    expect(envelopes.map((e) => e.timestamp)).toEqual([101, 102, 103]);
    expect(envelopes.every((e) => e.source === `${alice.username}@a.test`)).toBe(true);
    await until(() => false, 1500).catch(() => undefined);
    expect(socket.envelopes).toHaveLength(3);
    await until(() => false, 6000).catch(() => undefined);
    expect(await metric(a, 'parley_federation_outbox_depth', 'peer="b.test"')).toBe(0);
  }, 90_000);

  it('relays a keyed send once however often its client retries it, with the peer up or down (API.md section 3)', async () => {
    const alice = await newUser(a);
    const bob = await newUser(b);
    const bobAddress = `${bob.username}@b.test`;
    for (let i = 0; i < 3; i++) {
      expect((await send(a, alice, bobAddress, opaqueTo([bob]), { timestamp: 201, idempotencyKey: 'peer-up' })).status).toBe(200);
    }
    await b.kill();
    for (let i = 0; i < 3; i++) {
      expect((await send(a, alice, bobAddress, opaqueTo([bob]), { timestamp: 202, idempotencyKey: 'peer-down' })).status).toBe(202);
    }
    b = await b.sibling({ PORT: String(portB) });
    const socket = await connect(b, bob);
    await socket.waitForEnvelopes(2, 20_000);
    await until(() => false, 1500).catch(() => undefined);
    expect(socket.envelopes.map((e) => e.timestamp)).toEqual([201, 202]);
  }, 60_000);

  it('tells the sending device `delivery:failed` when the peer refuses a queued send', async () => {
    const alice = await newUser(a);
    const bobAccount = await newAccount(b);
    const bob1 = await newDevice(b, bobAccount);
    const bob2 = await newDevice(b, bobAccount);
    const aliceSocket = await connect(a, alice);
    const seen = failures(aliceSocket);
    await b.kill();
    expect((await send(a, alice, `${bobAccount.username}@b.test`, opaqueTo([bob1]), { timestamp: 4242 })).status).toBe(202);
    b = await b.sibling({ PORT: String(portB) });
    await until(() => seen.length > 0, 20_000, 'delivery:failed');
    expect(seen[0]).toEqual({
      id: expect.any(String),
      destination: `${bobAccount.username}@b.test`,
      timestamp: 4242,
      error: 'mismatched_devices',
      missingDevices: [bob2.deviceId],
      extraDevices: [],
    });
    expect((await api(b, 'GET', '/v1/messages', undefined, { token: bob1.token })).body.messages).toEqual([]);
  }, 60_000);

  it('gives up after the retry window with `delivery:failed` peer_unavailable', async () => {
    const deadPort = await freePort();
    const d = await startServer({
      ...FAST_RETRIES,
      PARLEY_DOMAIN: 'd.test',
      PARLEY_PEERS: `b.test=http://127.0.0.1:${deadPort}`,
      FEDERATION_RETRY_WINDOW_SECONDS: '2',
    });
    try {
      const dave = await newUser(d);
      const socket = await connect(d, dave);
      const seen = failures(socket);
      expect(
        (
          await send(d, dave, 'bob@b.test', [{ destinationDeviceId: 1, destinationRegistrationId: 1, type: 2, content: 'AA==' }], {
            timestamp: 9,
          })
        ).status,
      ).toBe(202);
      await until(() => seen.length > 0, 15_000, 'delivery:failed');
      expect(seen[0]).toEqual({ id: expect.any(String), destination: 'bob@b.test', timestamp: 9, error: 'peer_unavailable' });
    } finally {
      await d.stop();
    }
  }, 60_000);

  it('parley-admin shows the server key and peers, lists the outbox and retries a row', async () => {
    const deadPort = await freePort();
    const e = await startServer({
      PARLEY_DOMAIN: 'e.test',
      PARLEY_PEERS: `b.test=http://127.0.0.1:${deadPort}`,
      FEDERATION_RETRY_BASE_MS: '600000',
    });
    try {
      const erin = await newUser(e);
      expect(
        (await send(e, erin, 'bob@b.test', [{ destinationDeviceId: 1, destinationRegistrationId: 1, type: 2, content: 'AA==' }])).status,
      ).toBe(202);
      const published = (await api(e, 'GET', '/federation/v1/server-key')).body.publicKey;
      await e.kill(); // embedded storage admits one process at a time
      expect(admin(e, 'server-key')).toMatchObject({ status: 0, out: expect.stringContaining(`publicKey: ${published}`) });
      const peers = admin(e, 'peers');
      expect(peers.out).toMatch(/^domain\s+baseUrl\s+key\s+outbox\s+oldestQueuedAge\s+lastSuccess\s+badAnswers\s+lastFailure/);
      // One queued send, waiting for some seconds; never a success, no refused answer (nothing answered at all).
      expect(peers.out).toMatch(/b\.test\s+http:\/\/127\.0\.0\.1:\d+\s+not pinned yet\s+1\s+\d+s\s+-\s+0\s/);
      const list = admin(e, 'outbox', 'list');
      expect(list.status).toBe(0);
      const id = list.out.split('\n')[1].split(/\s+/)[0];
      expect(list.out).toContain('bob');
      expect(admin(e, 'outbox', 'retry', id)).toMatchObject({ status: 0, out: expect.stringContaining('due now') });
      expect(admin(e, 'outbox', 'retry', '999999').status).toBe(1);
    } finally {
      await e.stop();
    }
  }, 90_000);
  // PostgreSQL only: embedded storage admits one process per data dir.
  (usingRealServices() ? it : it.skip)(
    'shares one outbox between two processes of a.test: every queued send arrives once, in order',
    async () => {
      const second = await a.sibling();
      try {
        const alice = await newUser(a);
        const bob = await newUser(b);
        await b.kill();
        for (let i = 0; i < 10; i++) {
          expect((await send(i % 2 ? second : a, alice, `${bob.username}@b.test`, opaqueTo([bob]), { timestamp: 500 + i })).status).toBe(
            202,
          );
        }
        b = await b.sibling({ PORT: String(portB) });
        const socket = await connect(b, bob);
        await socket.waitForEnvelopes(10, 20_000);
        await until(() => false, 1500).catch(() => undefined);
        expect(socket.envelopes.map((e) => e.timestamp)).toEqual(Array.from({ length: 10 }, (_, i) => 500 + i));
      } finally {
        await second.stop();
      }
    },
    90_000,
  );

  // Last: it leaves a.test with a new key.
  it('refuses a peer whose key changed after it was pinned, until an operator unpins it', async () => {
    const alice = await newUser(a);
    const bob = await newUser(b);
    // b.test pinned a.test's key on first contact; a.test now signs with another one.
    await a.kill();
    a = await a.sibling({ PORT: String(portA), PARLEY_SERVER_KEY: generateServerKey() });
    expect((await send(a, alice, `${bob.username}@b.test`, opaqueTo([bob]), { timestamp: 77 })).status).toBe(202);
    await until(() => b.output().includes('now publishes key'), 15_000, 'the key change to be logged');
    expect((await api(b, 'GET', '/v1/messages', undefined, { token: bob.token })).body.messages).toEqual([]);

    await b.kill(); // embedded storage admits one process at a time
    expect(admin(b, 'peers', 'unpin', 'a.test').out).toContain('unpinned the key of a.test');
    b = await b.sibling({ PORT: String(portB) });
    const socket = await connect(b, bob);
    const [envelope] = await socket.waitForEnvelopes(1, 20_000);
    expect(envelope).toMatchObject({ source: `${alice.username}@a.test`, timestamp: 77 });
  }, 90_000);
});
