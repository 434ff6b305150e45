import { connectDeviceOnce, MAX_ENVELOPES_PER_BATCH, receiveEnvelopes } from '@parley/protocol';
import type { Envelope } from '@parley/protocol';
import { MAX_IN_FLIGHT } from '../../apps/server/src/gateway/device-connection';
import { api, newAccount, newDevice, newUser, TestDevice } from '../support/fixtures';
import { startServer, TestServer } from '../support/server';
import { socketPool, until } from '../support/sockets';

const timestamps = (envelopes: Envelope[]) => envelopes.map((e) => e.timestamp);
const upTo = (n: number) => Array.from({ length: n }, (_, i) => i);
/** Only waiting can show that nothing more comes (a full window, a refusal that deleted nothing). */
const pause = () => new Promise((r) => setTimeout(r, 300));

/** Batched delivery (`batch: true` in the handshake) beside older clients, over real socket.io. */
describe('batched delivery (API.md section 4)', () => {
  let server: TestServer;
  const sockets = socketPool(() => server);
  const { connect } = sockets;

  beforeAll(async () => {
    server = await startServer();
  });
  afterEach(sockets.closeAll);
  afterAll(async () => {
    await server?.stop();
  });

  const queueOf = async (device: TestDevice): Promise<Envelope[]> =>
    (await api(server, 'GET', '/v1/messages', undefined, { token: device.token })).body.messages;

  /** Acks are deleted in batches, shortly after they arrive. */
  async function queueEmpties(device: TestDevice) {
    const deadline = Date.now() + 10_000;
    while ((await queueOf(device)).length > 0) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${device.username}'s queue to empty`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Sends `count` fan-outs from `from` to the given devices of one account, one after another, timestamps 0..count-1. */
  async function sendMany(from: TestDevice, to: TestDevice[], count: number) {
    const messages = to.map((d) => ({
      destinationDeviceId: d.deviceId,
      destinationRegistrationId: d.keys.registrationId,
      type: 2,
      content: 'AAAA',
    }));
    for (let timestamp = 0; timestamp < count; timestamp++) {
      const sent = await api(server, 'PUT', `/v1/messages/${to[0].username}`, { timestamp, messages }, { token: from.token });
      expect(sent.status).toBe(200);
    }
  }

  it('serves a batch client and an older client of one account side by side: each gets every envelope in order, and their acks empty both queues', async () => {
    const alice = await newUser(server);
    const bob = await newAccount(server);
    const older = await newDevice(server, bob);
    const batching = await newDevice(server, bob);
    await sendMany(alice, [older, batching], 150);

    const olderSocket = await connect(older);
    const batchSocket = await connect(batching, { batch: true });
    await olderSocket.waitForEnvelopes(150);
    await batchSocket.waitForEnvelopes(150);
    expect(timestamps(olderSocket.envelopes)).toEqual(upTo(150));
    expect(timestamps(batchSocket.envelopes)).toEqual(upTo(150));
    expect(olderSocket.packets.map((p) => [p.event, p.envelopes.length])).toEqual(upTo(150).map(() => ['message', 1]));
    expect(batchSocket.packets.every((p) => p.event === 'messages')).toBe(true);
    // The drain sends its pages as batches: a handful of packets, none over the bound.
    expect(batchSocket.packets.length).toBeLessThanOrEqual(Math.ceil(150 / MAX_ENVELOPES_PER_BATCH) + 2);
    expect(Math.max(...batchSocket.packets.map((p) => p.envelopes.length))).toBeLessThanOrEqual(MAX_ENVELOPES_PER_BATCH);
    await queueEmpties(older);
    await queueEmpties(batching);

    // Live envelopes too, to both, still in order.
    await sendMany(alice, [older, batching], 3);
    await olderSocket.waitForEnvelopes(153);
    await batchSocket.waitForEnvelopes(153);
    expect(timestamps(olderSocket.envelopes.slice(150))).toEqual([0, 1, 2]);
    expect(timestamps(batchSocket.envelopes.slice(150))).toEqual([0, 1, 2]);
    expect(batchSocket.packets.every((p) => p.event === 'messages')).toBe(true);
  });

  it('counts envelopes, not packets, against the window: at most MAX_IN_FLIGHT unacknowledged, the rest in order as batches are acked', async () => {
    const alice = await newUser(server);
    const bob = await newUser(server);
    const total = 300;
    await sendMany(alice, [bob], total);
    const socket = await connect(bob, { batch: true, autoAck: false });

    await socket.waitForEnvelopes(MAX_IN_FLIGHT);
    await pause();
    expect(socket.envelopes).toHaveLength(MAX_IN_FLIGHT);

    let answered = 0;
    while (answered < socket.packets.length || socket.envelopes.length < total) {
      await until(() => socket.packets.length > answered, 10_000, 'the next batch');
      const unanswered = socket.packets.slice(answered).reduce((sum, p) => sum + p.envelopes.length, 0);
      expect(unanswered).toBeLessThanOrEqual(MAX_IN_FLIGHT);
      socket.packets[answered++].ack({ ok: true });
    }
    expect(timestamps(socket.envelopes)).toEqual(upTo(total));
    await queueEmpties(bob);
  });

  it('deletes nothing of a refused batch and offers it again, whole and in order, on the next connection', async () => {
    const alice = await newUser(server);
    const bob = await newUser(server);
    await sendMany(alice, [bob], 5);
    const refusing = await connect(bob, { batch: true, autoAck: false });
    await refusing.waitForEnvelopes(5);
    refusing.packets.forEach((p) => p.ack({ ok: false }));
    await pause();
    expect(timestamps(await queueOf(bob))).toEqual(upTo(5));
    refusing.close();

    const again = await connect(bob, { batch: true });
    await again.waitForEnvelopes(5);
    expect(timestamps(again.envelopes)).toEqual(upTo(5));
    await queueEmpties(bob);
  });

  it('keeps a batch the client only partly handled before its connection dropped, and delivers all of it again', async () => {
    const alice = await newUser(server);
    const bob = await newUser(server);
    await sendMany(alice, [bob], 10);
    const { socket, connected } = connectDeviceOnce(server.url, bob.token, { batch: true });
    const received: Envelope[] = [];
    const handleLater: (() => void)[] = [];
    // The SDK answers a batch once every envelope in it is answered: half are, then the connection drops.
    receiveEnvelopes(socket, (envelope, ack) => {
      received.push(envelope);
      if (envelope.timestamp % 2 === 0) ack({ ok: true });
      else handleLater.push(() => ack({ ok: true }));
    });
    await connected;
    await until(() => received.length === 10, 10_000, 'the batch');
    socket.disconnect();
    handleLater.forEach((handle) => handle()); // the batch's ack, after the drop: it reaches no one

    await pause();
    expect(timestamps(await queueOf(bob))).toEqual(upTo(10));
    const second = await connect(bob, { batch: true });
    await second.waitForEnvelopes(10);
    expect(timestamps(second.envelopes)).toEqual(upTo(10));
    await queueEmpties(bob);
  });
});
