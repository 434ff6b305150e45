import type { OutgoingMessage } from '@parley/protocol';
import { api, newAccount, newDevice, newUser, TestDevice } from '../support/fixtures';
import { startServer, TestServer } from '../support/server';
import { socketPool } from '../support/sockets';

/** Opaque contents for routing tests; `type` 8 is a PlaintextContent (a retry request). */
const opaqueTo = (devices: TestDevice[], type = 2): OutgoingMessage[] =>
  devices.map((d) => ({
    destinationDeviceId: d.deviceId,
    destinationRegistrationId: d.keys.registrationId,
    type,
    content: Buffer.from('opaque').toString('base64'),
  }));

describe('idempotent sends and retry requests (API.md section 3)', () => {
  let server: TestServer;
  const sockets = socketPool(() => server);
  const send = (from: TestDevice, address: string, messages: OutgoingMessage[], extra: Record<string, unknown> = {}) =>
    api(server, 'PUT', `/v1/messages/${address}`, { timestamp: 1000, messages, ...extra }, { token: from.token });
  const queued = async (device: TestDevice) =>
    (await api(server, 'GET', '/v1/messages', undefined, { token: device.token })).body.messages as { source: string; type: number }[];

  beforeAll(async () => {
    server = await startServer({ RATE_LIMITS: 'messageSend=10000/60' });
  });
  afterEach(sockets.closeAll);
  afterAll(async () => {
    await server?.stop();
  });

  it('answers a retry with the same key as the first send and stores nothing twice', async () => {
    const alice = await newUser(server);
    const bob = await newUser(server);
    for (let i = 0; i < 3; i++) {
      expect(await send(alice, bob.username, opaqueTo([bob]), { idempotencyKey: 'msg-1' })).toMatchObject({ status: 200, body: {} });
    }
    expect(await queued(bob)).toHaveLength(1);
    // Another key is another message; the same key from another device is too.
    expect((await send(alice, bob.username, opaqueTo([bob]), { idempotencyKey: 'msg-2' })).status).toBe(200);
    expect(await queued(bob)).toHaveLength(2);
  });

  it('stores concurrent retries of one send once', async () => {
    const alice = await newUser(server);
    const bob = await newUser(server);
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => send(alice, bob.username, opaqueTo([bob]), { idempotencyKey: 'racing' })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    expect(await queued(bob)).toHaveLength(1);
  });

  it('scopes a key to its destination: a message and its sync copy may share one', async () => {
    const aliceAccount = await newAccount(server);
    const alice1 = await newDevice(server, aliceAccount);
    const alice2 = await newDevice(server, aliceAccount);
    const bob = await newUser(server);
    expect((await send(alice1, bob.username, opaqueTo([bob]), { idempotencyKey: 'shared' })).status).toBe(200);
    expect((await send(alice1, aliceAccount.username, opaqueTo([alice2]), { idempotencyKey: 'shared' })).status).toBe(200);
    expect(await queued(bob)).toHaveLength(1);
    expect(await queued(alice2)).toHaveLength(1);
  });

  it('answers a retry as the first send was even after the devices changed, and stores nothing', async () => {
    const alice = await newUser(server);
    const bobAccount = await newAccount(server);
    const bob1 = await newDevice(server, bobAccount);
    expect((await send(alice, bobAccount.username, opaqueTo([bob1]), { idempotencyKey: 'before-link' })).status).toBe(200);
    const bob2 = await newDevice(server, bobAccount);
    expect((await send(alice, bobAccount.username, opaqueTo([bob1]), { idempotencyKey: 'before-link' })).status).toBe(200);
    expect(await queued(bob1)).toHaveLength(1);
    expect(await queued(bob2)).toHaveLength(0);
    // Without the key it is a new send, checked against the devices now.
    expect((await send(alice, bobAccount.username, opaqueTo([bob1]))).status).toBe(409);
  });

  it('does not remember a refused send: the corrected retry with the same key is stored', async () => {
    const alice = await newUser(server);
    const bobAccount = await newAccount(server);
    const bob1 = await newDevice(server, bobAccount);
    const bob2 = await newDevice(server, bobAccount);
    expect(await send(alice, bobAccount.username, opaqueTo([bob1]), { idempotencyKey: 'fix-me' })).toMatchObject({
      status: 409,
      body: { error: 'mismatched_devices', missingDevices: [bob2.deviceId] },
    });
    expect((await send(alice, bobAccount.username, opaqueTo([bob1, bob2]), { idempotencyKey: 'fix-me' })).status).toBe(200);
    expect(await queued(bob1)).toHaveLength(1);
  });

  it('applies keys to the socket `send` event too', async () => {
    const alice = await newUser(server);
    const bob = await newUser(server);
    const socket = await sockets.connect(alice);
    for (let i = 0; i < 2; i++) {
      const answer = await socket.send({
        destination: bob.username,
        timestamp: 5,
        idempotencyKey: 'over-socket',
        messages: opaqueTo([bob]),
      });
      expect(answer.status).toBe(200);
    }
    expect(await queued(bob)).toHaveLength(1);
  });

  it.each([[''], ['x'.repeat(65)], ['has space'], ['slash/'], [42]])(
    'refuses idempotency key %p with 400 and stores nothing',
    async (key) => {
      const alice = await newUser(server);
      const bob = await newUser(server);
      expect(await send(alice, bob.username, opaqueTo([bob]), { idempotencyKey: key })).toMatchObject({
        status: 400,
        body: { error: 'validation_failed' },
      });
      expect(await queued(bob)).toHaveLength(0);
    },
  );

  it('takes a retry request (one PlaintextContent) for one device of the account, and checks that device', async () => {
    const alice = await newUser(server);
    const bobAccount = await newAccount(server);
    const bob1 = await newDevice(server, bobAccount);
    const bob2 = await newDevice(server, bobAccount);
    const bob3 = await newDevice(server, bobAccount);
    expect((await send(alice, bobAccount.username, opaqueTo([bob2], 8))).status).toBe(200);
    expect((await queued(bob2)).map((e) => e.type)).toEqual([8]);
    expect(await queued(bob1)).toHaveLength(0);
    // Only the one-PlaintextContent shape is exempt from the complete list.
    expect((await send(alice, bobAccount.username, opaqueTo([bob2], 2))).status).toBe(409);
    expect((await send(alice, bobAccount.username, opaqueTo([bob1, bob3], 8))).status).toBe(409);
    // The addressed device must exist and match.
    const gone = { ...opaqueTo([bob2], 8)[0], destinationDeviceId: 99 };
    expect(await send(alice, bobAccount.username, [gone])).toMatchObject({ status: 409, body: { extraDevices: [99] } });
    const stale = { ...opaqueTo([bob2], 8)[0], destinationRegistrationId: (bob2.keys.registrationId % 16000) + 1 };
    expect(await send(alice, bobAccount.username, [stale])).toMatchObject({ status: 410, body: { staleDevices: [bob2.deviceId] } });
    expect(await queued(bob2)).toHaveLength(1);
  });
});
