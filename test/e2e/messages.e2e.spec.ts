import { ProtocolAddress } from '@signalapp/libsignal-client';
import { decryptMessage, encryptMessage, MemoryProtocolStore, startSession } from '@parley/crypto';
import type { OutgoingMessage, PreKeyBundleResponse } from '@parley/protocol';
import { api, newAccount, newDevice, newUser, TestDevice, removeDevice } from '../support/fixtures';
import { startServer, TestServer } from '../support/server';
import { openSocket, socketPool, until } from '../support/sockets';

const text = (s: string) => new Uint8Array(Buffer.from(s));
const fakeContent = (n: number) => Buffer.alloc(n, n % 251).toString('base64');

/** A fan-out of opaque contents to the given devices: for tests of routing, not crypto. */
const opaqueTo = (devices: TestDevice[], body = 'x') =>
  devices.map((d) => ({
    destinationDeviceId: d.deviceId,
    destinationRegistrationId: d.keys.registrationId,
    type: 2,
    content: fakeContent(body.length + 10),
  }));

describe('messages (API.md sections 3 and 4)', () => {
  let server: TestServer;
  const sockets = socketPool(() => server);
  const { connect } = sockets;
  const send = (from: TestDevice, address: string, messages: OutgoingMessage[], extra: Record<string, unknown> = {}) =>
    api(server, 'PUT', `/v1/messages/${address}`, { timestamp: Date.now(), messages, ...extra }, { token: from.token });

  beforeAll(async () => {
    server = await startServer({ RATE_LIMITS: 'keyFetch=1000/60' });
  });
  afterEach(sockets.closeAll);
  afterAll(async () => {
    await server?.stop();
  });

  it('carries a real PQXDH + Double Ratchet conversation to both of bob’s devices and back', async () => {
    const alice = await newUser(server);
    const bobAccount = await newAccount(server);
    const bob1 = await newDevice(server, bobAccount);
    const bob2 = await newDevice(server, bobAccount);
    const stores = new Map([alice, bob1, bob2].map((d) => [d, new MemoryProtocolStore(d.keys)]));
    const addr = (d: TestDevice) => ProtocolAddress.new(d.username, d.deviceId);
    const [bob1Socket, bob2Socket, aliceSocket] = await Promise.all([connect(bob1), connect(bob2), connect(alice)]);

    const bundle = (await api<PreKeyBundleResponse>(server, 'GET', `/v1/keys/${bobAccount.username}`, undefined, { token: alice.token }))
      .body;
    expect(bundle.devices.map((d) => d.deviceId)).toEqual([bob1.deviceId, bob2.deviceId]);
    const messages = [];
    for (const device of bundle.devices) {
      const bob = device.deviceId === bob1.deviceId ? bob1 : bob2;
      await startSession(stores.get(alice)!, addr(alice), addr(bob), device);
      messages.push(await encryptMessage(stores.get(alice)!, addr(alice), addr(bob), text('hello bob'), device.registrationId));
    }
    expect((await send(alice, bobAccount.username, messages)).status).toBe(200);

    for (const [bob, socket] of [
      [bob1, bob1Socket],
      [bob2, bob2Socket],
    ] as const) {
      const [envelope] = await socket.waitForEnvelopes(1);
      expect(envelope).toMatchObject({ source: alice.username, sourceDeviceId: alice.deviceId, type: 3 });
      const plain = await decryptMessage(stores.get(bob)!, addr(bob), addr(alice), envelope.type, envelope.content);
      expect(Buffer.from(plain).toString()).toBe('hello bob');
    }

    // bob1 replies over the socket's `send` event; bob2 gets a sync copy.
    const reply = await encryptMessage(stores.get(bob1)!, addr(bob1), addr(alice), text('hi alice'), alice.keys.registrationId);
    expect((await bob1Socket.send({ destination: alice.username, timestamp: Date.now(), messages: [reply] })).status).toBe(200);
    const [fromBob] = await aliceSocket.waitForEnvelopes(1);
    expect(fromBob.type).toBe(2);
    expect(Buffer.from(await decryptMessage(stores.get(alice)!, addr(alice), addr(bob1), fromBob.type, fromBob.content)).toString()).toBe(
      'hi alice',
    );
    // Acked envelopes are gone from the queue.
    const queued = await api(server, 'GET', '/v1/messages', undefined, { token: bob1.token });
    expect(queued.body.messages.filter((m: { source: string }) => m.source === alice.username)).toHaveLength(0);
  });

  it('answers 409 with missing and extra devices, 410 with stale ones, and stores nothing', async () => {
    const alice = await newUser(server);
    const bobAccount = await newAccount(server);
    const bob1 = await newDevice(server, bobAccount);
    const bob2 = await newDevice(server, bobAccount);

    const missing = await send(alice, bobAccount.username, opaqueTo([bob1]));
    expect(missing.status).toBe(409);
    expect(missing.body).toMatchObject({ error: 'mismatched_devices', missingDevices: [bob2.deviceId], extraDevices: [] });

    const extra = await send(alice, bobAccount.username, [...opaqueTo([bob1, bob2]), { ...opaqueTo([bob1])[0], destinationDeviceId: 9 }]);
    expect(extra.status).toBe(409);
    expect(extra.body).toMatchObject({ error: 'mismatched_devices', missingDevices: [], extraDevices: [9] });

    const stale = await send(
      alice,
      bobAccount.username,
      opaqueTo([bob1, bob2]).map((m, i) => (i === 1 ? { ...m, destinationRegistrationId: (bob2.keys.registrationId % 16000) + 1 } : m)),
    );
    expect(stale.status).toBe(410);
    expect(stale.body).toEqual(expect.objectContaining({ error: 'stale_devices', staleDevices: [bob2.deviceId] }));

    for (const bob of [bob1, bob2]) {
      expect((await api(server, 'GET', '/v1/messages', undefined, { token: bob.token })).body).toEqual({ messages: [], more: false });
    }
  });

  it('rejects bad input with 4xx and nothing stored', async () => {
    const alice = await newUser(server);
    const bob = await newUser(server);
    expect((await send(alice, 'nobody_here', opaqueTo([bob]))).status).toBe(404);
    expect((await send(alice, 'NOT VALID', opaqueTo([bob]))).status).toBe(404);
    const big = await send(alice, bob.username, [{ ...opaqueTo([bob])[0], content: Buffer.alloc(256 * 1024 + 1).toString('base64') }]);
    expect(big.status).toBe(413);
    const twice = await send(alice, bob.username, [...opaqueTo([bob]), ...opaqueTo([bob])]);
    expect(twice.status).toBe(400);
    const badType = await send(alice, bob.username, [{ ...opaqueTo([bob])[0], type: 5 }]);
    expect(badType).toMatchObject({ status: 400, body: { error: 'validation_failed' } });
    const unknown = await send(alice, bob.username, opaqueTo([bob]), { sneaky: true });
    expect(unknown).toMatchObject({ status: 400, body: { error: 'unknown_field' } });
    expect((await api(server, 'GET', '/v1/messages', undefined, { token: bob.token })).body.messages).toEqual([]);
  });

  it('queues for an offline device and drains oldest first on connect; acks delete', async () => {
    const alice = await newUser(server);
    const bob = await newUser(server);
    for (let i = 0; i < 5; i++) {
      expect((await send(alice, bob.username, opaqueTo([bob]), { timestamp: 1000 + i })).status).toBe(200);
    }
    const listed = await api(server, 'GET', '/v1/messages', undefined, { token: bob.token });
    expect(listed.body.messages.map((m: { timestamp: number }) => m.timestamp)).toEqual([1000, 1001, 1002, 1003, 1004]);
    expect(listed.body.more).toBe(false);

    const socket = await connect(bob);
    const envelopes = await socket.waitForEnvelopes(5);
    expect(envelopes.map((e) => e.timestamp)).toEqual([1000, 1001, 1002, 1003, 1004]);
    // Acks are committed in batches; the queue empties shortly after.
    const deadline = Date.now() + 5000;
    let left = 5;
    while (left > 0 && Date.now() < deadline) {
      left = (await api(server, 'GET', '/v1/messages', undefined, { token: bob.token })).body.messages.length;
    }
    expect(left).toBe(0);
  });

  it('keeps unacked envelopes and delivers them again on the next connection', async () => {
    const alice = await newUser(server);
    const bob = await newUser(server);
    const first = await connect(bob, { autoAck: false });
    await send(alice, bob.username, opaqueTo([bob]), { timestamp: 42 });
    const [envelope] = await first.waitForEnvelopes(1);
    first.close();
    const second = await connect(bob);
    const [again] = await second.waitForEnvelopes(1);
    expect(again.id).toBe(envelope.id);
  });

  it('DELETE /v1/messages/:id is idempotent and only touches the owner’s envelopes', async () => {
    const alice = await newUser(server);
    const bob = await newUser(server);
    await send(alice, bob.username, opaqueTo([bob]));
    const [envelope] = (await api(server, 'GET', '/v1/messages', undefined, { token: bob.token })).body.messages;
    expect((await api(server, 'DELETE', `/v1/messages/${envelope.id}`, undefined, { token: alice.token })).status).toBe(204);
    expect((await api(server, 'GET', '/v1/messages', undefined, { token: bob.token })).body.messages).toHaveLength(1);
    expect((await api(server, 'DELETE', `/v1/messages/${envelope.id}`, undefined, { token: bob.token })).status).toBe(204);
    expect((await api(server, 'DELETE', `/v1/messages/${envelope.id}`, undefined, { token: bob.token })).status).toBe(204);
    expect((await api(server, 'GET', '/v1/messages', undefined, { token: bob.token })).body.messages).toHaveLength(0);
    expect((await api(server, 'DELETE', '/v1/messages/not-a-uuid', undefined, { token: bob.token })).status).toBe(400);
  });

  it('sends sync copies to the sender’s other devices, never to the sender device itself', async () => {
    const account = await newAccount(server);
    const phone = await newDevice(server, account);
    const laptop = await newDevice(server, account);
    expect((await send(phone, account.username, opaqueTo([laptop]))).status).toBe(200);
    const self = await send(phone, account.username, opaqueTo([phone, laptop]));
    expect(self).toMatchObject({ status: 409, body: { extraDevices: [phone.deviceId] } });
    expect((await api(server, 'GET', '/v1/messages', undefined, { token: laptop.token })).body.messages).toHaveLength(1);
  });

  it('delivers online-only envelopes to connected devices and never stores them', async () => {
    const alice = await newUser(server);
    const bobAccount = await newAccount(server);
    const bobOnline = await newDevice(server, bobAccount);
    const bobOffline = await newDevice(server, bobAccount);
    const socket = await connect(bobOnline);
    expect((await send(alice, bobAccount.username, opaqueTo([bobOnline, bobOffline]), { online: true })).status).toBe(200);
    await socket.waitForEnvelopes(1);
    expect((await api(server, 'GET', '/v1/messages', undefined, { token: bobOffline.token })).body.messages).toEqual([]);
  });

  it('refuses sockets without a valid device token with connect_error "unauthorized"', async () => {
    const account = await newAccount(server);
    await expect(openSocket(server, 'garbage')).rejects.toThrow('unauthorized');
    await expect(openSocket(server, account.tokens.accessToken)).rejects.toThrow('unauthorized');
  });

  it('answers the socket `send` event as PUT would, 409 included', async () => {
    const alice = await newUser(server);
    const bobAccount = await newAccount(server);
    await newDevice(server, bobAccount);
    const bob2 = await newDevice(server, bobAccount);
    const socket = await connect(alice);
    const reply = await socket.send({ destination: bobAccount.username, timestamp: 1, messages: opaqueTo([bob2]) });
    expect(reply).toEqual({
      status: 409,
      body: expect.objectContaining({ error: 'mismatched_devices', missingDevices: [1], extraDevices: [] }),
    });
    const invalid = await socket.send({ destination: bobAccount.username, timestamp: -1, messages: [] });
    expect(invalid.status).toBe(400);
  });

  it('tells a device with few one-time keys over its socket (keys:low)', async () => {
    const bob = await newDevice(server, await newAccount(server), { oneTimeKeys: 3 });
    const socket = await connect(bob);
    await until(() => socket.keysLow.length > 0, 5000, 'keys:low');
    expect(socket.keysLow[0]).toEqual({ preKeys: 3, pqPreKeys: 3 });
  });

  it('lets the newer connection of a device win', async () => {
    const alice = await newUser(server);
    const bob = await newUser(server);
    const older = await connect(bob);
    const newer = await connect(bob);
    await until(() => older.socket.disconnected, 5000, 'older socket to close');
    expect(older.closing).toEqual(['replaced']);
    await send(alice, bob.username, opaqueTo([bob]));
    await newer.waitForEnvelopes(1);
    expect(older.envelopes).toHaveLength(0);
  });

  it('closes the sockets of a removed device at once', async () => {
    const account = await newAccount(server);
    const keep = await newDevice(server, account);
    const gone = await newDevice(server, account);
    const socket = await connect(gone);
    expect((await removeDevice(server, keep, gone.deviceId)).status).toBe(204);
    await until(() => socket.socket.disconnected, 5000, 'removed device socket to close');
    expect(socket.closing).toEqual(['device_removed']);
  });

  it('closes a socket at once when its session logs out, and when a reused refresh token revokes it', async () => {
    const alice = await newUser(server);
    const socket = await connect(alice);
    expect((await api(server, 'POST', '/v1/auth/logout', undefined, { token: alice.token })).status).toBe(204);
    await until(() => socket.socket.disconnected, 5000, 'logged-out socket to close');
    expect(socket.closing).toEqual(['logged_out']);

    const bob = await newUser(server);
    const bobSocket = await connect(bob);
    const rotated = await api(server, 'POST', '/v1/auth/refresh', { refreshToken: bob.tokens.refreshToken });
    expect(rotated.status).toBe(200);
    expect((await api(server, 'POST', '/v1/auth/refresh', { refreshToken: bob.tokens.refreshToken })).status).toBe(401);
    await until(() => bobSocket.socket.disconnected, 5000, 'revoked socket to close');
    expect(bobSocket.closing).toEqual(['logged_out']);
  });

  it('delivers many envelopes in order per sender with a bounded window', async () => {
    const alice = await newUser(server);
    const bob = await newUser(server);
    const total = 300; // more than the in-flight window
    for (let i = 0; i < total; i++) await send(alice, bob.username, opaqueTo([bob]), { timestamp: i });
    const socket = await connect(bob);
    const envelopes = await socket.waitForEnvelopes(total, 20_000);
    expect(envelopes.map((e) => e.timestamp)).toEqual(Array.from({ length: total }, (_, i) => i));
  });
});
