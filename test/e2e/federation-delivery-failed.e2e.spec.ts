import type { DeliveryFailed, MessageAck, OutgoingMessage } from '@parley/protocol';
import { api, newAccount, newDevice, newUser, TestDevice } from '../support/fixtures';
import { FlakyPeers, metric, opaqueTo, startFlakyPeers } from '../support/federation';
import type { TestServer } from '../support/server';
import { openSocket, TestSocket, until } from '../support/sockets';

/**
 * `delivery:failed` reaches the sending device wherever it is (issue 16):
 * a federated send that finally fails while the device is offline is kept
 * for it, delivered on its next connection or poll, and gone once acked.
 * b.test looks down to a.test first (startFlakyPeers), so the send is
 * queued (202) before it fails.
 */
describe('delivery:failed for a device that was offline (API.md sections 3 and 4)', () => {
  let peers: FlakyPeers;
  let a: TestServer;
  let b: TestServer;
  const sockets: TestSocket[] = [];

  const send = (from: TestDevice, address: string, timestamp: number, messages: OutgoingMessage[]) =>
    api(a, 'PUT', `/v1/messages/${address}`, { timestamp, messages }, { token: from.token });
  const listFailures = (device: TestDevice) => api(a, 'GET', '/v1/delivery-failures', undefined, { token: device.token });
  /** A socket that records `delivery:failed` notices and answers each with `reply` (none: an old client that never acks). */
  const connect = async (device: TestDevice, reply?: MessageAck) => {
    const socket = await openSocket(a, device.token);
    sockets.push(socket);
    const seen: DeliveryFailed[] = [];
    socket.socket.on('delivery:failed', (failure, ack) => {
      seen.push(failure);
      if (reply) ack(reply);
    });
    return { socket, seen };
  };
  /** Lets anything the server would still send arrive. */
  const settle = () => new Promise((resolve) => setTimeout(resolve, 1000));
  const givenUp = async (outcome: 'refused' | 'expired') =>
    (await metric(a, 'parley_federation_sends_total', `peer="b.test",outcome="${outcome}"`)) ?? 0;
  /** Polls `check` (async) every 100 ms until it holds. */
  async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 20_000) {
    for (const deadline = Date.now() + timeoutMs; !(await check());) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  beforeAll(async () => {
    peers = await startFlakyPeers();
    ({ a, b } = peers);
  });
  afterEach(() => {
    sockets.splice(0).forEach((s) => s.close());
    peers.peerUp();
  });
  afterAll(() => peers?.stop());

  it('gives a refusal that came while the sender was offline to its next connection, until it acks', async () => {
    const alice = await newUser(a);
    const bobAccount = await newAccount(b);
    const bob1 = await newDevice(b, bobAccount);
    const bob2 = await newDevice(b, bobAccount);
    const refusedBefore = await givenUp('refused');
    peers.peerDown();
    expect((await send(alice, `${bobAccount.username}@b.test`, 4242, opaqueTo([bob1]))).status).toBe(202);
    peers.peerUp(); // the next retry reaches b.test, which refuses: bob has two devices
    await eventually(async () => (await givenUp('refused')) > refusedBefore, 'the queued send to be refused');

    const expected = {
      id: expect.any(String),
      destination: `${bobAccount.username}@b.test`,
      timestamp: 4242,
      error: 'mismatched_devices',
      missingDevices: [bob2.deviceId],
      extraDevices: [],
    };
    // A client that never acks (older than notice ids) gets the notice again on its next connection.
    const oldClient = await connect(alice);
    await until(() => oldClient.seen.length > 0, 10_000, 'delivery:failed on connect');
    expect(oldClient.seen).toEqual([expected]);
    oldClient.socket.close();

    const acking = await connect(alice, { ok: true });
    await until(() => acking.seen.length > 0, 10_000, 'delivery:failed again');
    expect(acking.seen).toEqual(oldClient.seen);
    await eventually(async () => (await listFailures(alice)).body.failures.length === 0, 'the ack to delete the notice');
    acking.socket.close();

    const again = await connect(alice, { ok: true });
    await settle();
    expect(again.seen).toEqual([]);
  }, 90_000);

  it('lets a device that polls over HTTP read the notice of a send given up while it was away, and acknowledge it', async () => {
    const alice = await newUser(a);
    const alicePhone = await newDevice(a, alice.account);
    const bob = await newUser(b);
    peers.peerDown(); // for longer than a.test's retry window: given up with peer_unavailable
    expect((await send(alice, `${bob.username}@b.test`, 77, opaqueTo([bob]))).status).toBe(202);
    let listed = await listFailures(alice);
    await eventually(async () => (listed = await listFailures(alice)).body.failures.length > 0, 'a notice after the retry window');
    expect(listed).toMatchObject({ status: 200, body: { more: false } });
    const [notice] = listed.body.failures;
    expect(notice).toEqual({ id: expect.any(String), destination: `${bob.username}@b.test`, timestamp: 77, error: 'peer_unavailable' });

    // The sending device's notice: its account's other device has none, and cannot acknowledge it.
    expect((await listFailures(alicePhone)).body.failures).toEqual([]);
    expect((await api(a, 'DELETE', `/v1/delivery-failures/${notice.id}`, undefined, { token: alicePhone.token })).status).toBe(204);
    expect((await listFailures(alice)).body.failures).toEqual([notice]);
    expect((await api(a, 'DELETE', '/v1/delivery-failures/not-a-uuid', undefined, { token: alice.token })).body).toMatchObject({
      error: 'validation_failed',
    });

    expect((await api(a, 'DELETE', `/v1/delivery-failures/${notice.id}`, undefined, { token: alice.token })).status).toBe(204);
    expect((await api(a, 'DELETE', `/v1/delivery-failures/${notice.id}`, undefined, { token: alice.token })).status).toBe(204);
    expect((await listFailures(alice)).body.failures).toEqual([]);
    const socket = await connect(alice, { ok: true });
    await settle();
    expect(socket.seen).toEqual([]);
  }, 90_000);
});
