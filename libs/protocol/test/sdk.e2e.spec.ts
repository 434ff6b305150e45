import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { IdentityKeyPair } from '@signalapp/libsignal-client';
import {
  deviceListEntry,
  deviceRegistrationRequest,
  generateAccountIdentity,
  generateDeviceKeys,
  signListWithDevice,
  signListWithoutDevice,
} from '@parley/crypto';
import { ErrorCode, ParleyApiError, ParleyClient, RealtimeConnection, TokenPair } from '@parley/protocol';
import { startServer, TestServer } from '../../../test/support/server';

/** The SDK against a real server: typed errors, token rotation, socket reconnects. */
describe('SDK', () => {
  let server: TestServer;
  let counter = 0;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** A fresh account with one device (list version 1, signed by `identity`); returns the client and its account. */
  async function newAccount(identity: IdentityKeyPair = generateAccountIdentity()) {
    const client = new ParleyClient(server.url);
    const username = `sdk${++counter}`;
    await client.createAccount(username, 'correct horse battery');
    await client.login(username, 'correct horse battery');
    const { domain } = await client.serverKey();
    const keys = generateDeviceKeys(1);
    const deviceList = signListWithDevice(identity, `${username}@${domain}`, null, deviceListEntry(keys, 1));
    const pair = await client.createDevice(deviceRegistrationRequest(keys, 'sdk test', deviceList));
    return { client, username, identity, pair, keys };
  }

  /** A fresh account with one device; returns that device's token pair. */
  async function newDevice(): Promise<TokenPair> {
    return (await newAccount()).pair;
  }

  /** A client whose access token the server will refuse, as if it had expired. */
  function clientWithDeadAccessToken(pair: TokenPair) {
    const client = new ParleyClient(server.url, { ...pair, accessToken: 'expired.or.garbage' });
    const rotations: TokenPair[] = [];
    client.tokens.onChange((p) => rotations.push(p));
    return { client, rotations };
  }

  it('surfaces errors as ParleyApiError with the shared error code', async () => {
    const client = new ParleyClient(server.url);
    await client.createAccount('sdktaken', 'correct horse battery');
    const error = await client.createAccount('sdktaken', 'correct horse battery').catch((e) => e);
    expect(error).toBeInstanceOf(ParleyApiError);
    expect(error).toMatchObject({ status: 409, error: ErrorCode.UsernameTaken });
    expect(typeof error.body.message).toBe('string');
  });

  it('refreshes once on 401, shares that refresh between concurrent requests, and retries them', async () => {
    const pair = await newDevice();
    const { client, rotations } = clientWithDeadAccessToken(pair);
    const [devices, counts, again] = await Promise.all([client.listDevices(), client.keyCount(), client.listDevices()]);
    expect(devices.devices).toHaveLength(1);
    expect(counts).toEqual({ preKeys: 1, pqPreKeys: 1 });
    expect(again).toEqual(devices);
    expect(rotations).toHaveLength(1);
    expect(rotations[0].refreshToken).not.toBe(pair.refreshToken);
  });

  it('rotates refresh tokens: a spent one is refused', async () => {
    const pair = await newDevice();
    const { client } = clientWithDeadAccessToken(pair);
    await client.listDevices();
    const reuse = await new ParleyClient(server.url).refresh(pair.refreshToken).catch((e) => e);
    expect(reuse).toMatchObject({ status: 401 });
  });

  it('reconnects the socket with refreshed tokens after an unauthorized handshake', async () => {
    const { client, rotations } = clientWithDeadAccessToken(await newDevice());
    const connection = new RealtimeConnection(server.url, client.tokens);
    try {
      await new Promise<void>((resolve, reject) => {
        connection.once('connected', resolve);
        connection.once('closed', reject);
        connection.connect();
      });
      expect(rotations).toHaveLength(1);
    } finally {
      connection.close();
    }
  });

  it('closes the socket for good when the refresh token is refused too', async () => {
    const pair = await newDevice();
    const client = new ParleyClient(server.url, { ...pair, accessToken: 'dead', refreshToken: 'also dead' });
    const connection = new RealtimeConnection(server.url, client.tokens);
    const closed = new Promise<Error>((resolve) => connection.once('closed', resolve));
    connection.connect();
    expect(await closed).toMatchObject({ status: 401 });
    expect(connection.socket.connected).toBe(false);
  });

  it('asks for batched delivery and hands each envelope to onEnvelope, in order; its acks answer the batch and empty the queue', async () => {
    const alice = await newAccount();
    const bob = await newAccount();
    const message = { destinationDeviceId: 1, destinationRegistrationId: bob.keys.registrationId, type: 2, content: 'b3BhcXVl' };
    for (let timestamp = 1; timestamp <= 5; timestamp++) await alice.client.sendMessages(bob.username, { timestamp, messages: [message] });
    const connection = new RealtimeConnection(server.url, bob.client.tokens);
    const batchSizes: number[] = [];
    connection.socket.on('messages', (envelopes) => batchSizes.push(envelopes.length));
    const received: number[] = [];
    const allReceived = new Promise<void>((resolve) =>
      connection.onEnvelope((envelope, ack) => {
        received.push(envelope.timestamp);
        ack({ ok: true });
        if (received.length === 5) resolve();
      }),
    );
    try {
      connection.connect();
      await allReceived;
      expect(received).toEqual([1, 2, 3, 4, 5]);
      expect(batchSizes).toEqual([5]);
      const deadline = Date.now() + 5000;
      while ((await bob.client.listMessages()).messages.length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect((await bob.client.listMessages()).messages).toEqual([]);
    } finally {
      connection.close();
    }
  });

  it('tells the server domain without a token', async () => {
    const key = await new ParleyClient(server.url).serverKey();
    expect(key.domain).toBe('localhost');
    expect(Buffer.from(key.publicKey, 'base64')).toHaveLength(32);
  });

  it('relays a provisioning message through a slot: null while empty, the message once, then gone', async () => {
    const { client: first, username } = await newAccount();
    const fresh = new ParleyClient(server.url);
    await fresh.login(username, 'correct horse battery');
    const slot = await fresh.openProvisioningSlot();
    expect(slot.expiresIn).toBeGreaterThan(0);
    expect(await fresh.collectProvisioningMessage(slot.slotId)).toBeNull();

    await first.leaveProvisioningMessage(slot.slotId, 'c2VhbGVk');
    const again = await first.leaveProvisioningMessage(slot.slotId, 'c2VhbGVk').catch((e) => e);
    expect(again).toMatchObject({ status: 409, error: ErrorCode.SlotUsed });
    expect(await fresh.collectProvisioningMessage(slot.slotId)).toEqual({ message: 'c2VhbGVk' });
    expect(await fresh.collectProvisioningMessage(slot.slotId).catch((e) => e)).toMatchObject({ status: 404 });
  });

  it('adds and removes a device with signed lists; a stale list is refused with its code', async () => {
    const { client: first, username, identity } = await newAccount();
    const { deviceList, nextDeviceId } = await first.listDevices();
    expect(deviceList).toMatchObject({ version: 1, address: `${username}@localhost` });

    const second = new ParleyClient(server.url);
    await second.login(username, 'correct horse battery');
    const keys = generateDeviceKeys(1);
    const withSecond = signListWithDevice(identity, deviceList!.address, deviceList, deviceListEntry(keys, nextDeviceId));
    await second.createDevice(deviceRegistrationRequest(keys, 'second', withSecond));
    expect((await first.listDevices()).deviceList).toEqual(withSecond);

    const stale = await first.removeDevice(nextDeviceId, signListWithoutDevice(identity, deviceList!, nextDeviceId)).catch((e) => e);
    expect(stale).toMatchObject({ status: 409, error: ErrorCode.StaleDeviceList });
    await first.removeDevice(nextDeviceId, signListWithoutDevice(identity, withSecond, nextDeviceId));
    const after = await first.listDevices();
    expect([after.devices.map((d) => d.deviceId), after.deviceList!.version]).toEqual([[1], 3]);
  });

  it('retries a send whose answer was lost under one idempotency key, and the server stores it once', async () => {
    const alice = await newAccount();
    const bob = await newAccount();
    // Forwards every request, but cuts the connection instead of answering the first send.
    const seenKeys: string[] = [];
    const proxy = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        const forwarded = fetch(new URL(req.url!, server.url), {
          method: req.method,
          headers: { authorization: req.headers.authorization ?? '', 'content-type': 'application/json' },
          body: body || undefined,
        });
        if (req.method === 'PUT' && req.url!.startsWith('/v1/messages/')) seenKeys.push(JSON.parse(body).idempotencyKey);
        void forwarded.then(async (answer) => {
          if (seenKeys.length === 1 && req.method === 'PUT') return void req.socket.destroy();
          res.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text());
        });
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const viaProxy = new ParleyClient(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, alice.pair);
      const message = { destinationDeviceId: 1, destinationRegistrationId: bob.keys.registrationId, type: 2, content: 'b3BhcXVl' };
      await viaProxy.sendMessages(bob.username, { timestamp: 42, messages: [message] });
      expect(seenKeys).toHaveLength(2);
      expect(seenKeys[1]).toBe(seenKeys[0]);
      const queued = await bob.client.listMessages();
      expect(queued.messages.map((m) => m.timestamp)).toEqual([42]);
    } finally {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});
