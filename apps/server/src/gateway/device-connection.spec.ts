import { MAX_ENVELOPES_PER_BATCH } from '@parley/protocol';
import type { Envelope, MessageAck } from '@parley/protocol';
import type { QueuedEnvelope } from '../delivery/device-signal';
import type { QueueAccess } from '../messages/device-queue.service';
import { deferred, settle } from '../../../../test/support/deferred';
import { DeviceConnection, EnvelopeSink, MAX_BATCH_CONTENT_CHARS, MAX_IN_FLIGHT } from './device-connection';

const envelope = (id: string, timestamp: number): Envelope => ({
  id,
  source: 'alice',
  sourceDeviceId: 1,
  type: 1,
  content: '',
  timestamp,
  serverTimestamp: timestamp,
});
/** A stored envelope at queue position `seq`; its id is m<seq>. */
const stored = (seq: number): QueuedEnvelope => ({ seq, stored: true, envelope: envelope(`m${seq}`, seq) });
/** An `online: true` envelope: never queued, so it has no position. */
const onlineOnly = (id: string): QueuedEnvelope => ({ seq: 0, stored: false, envelope: envelope(id, 0) });
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const ids = (seqs: number[]) => seqs.map((seq) => `m${seq}`);

/** The device's socket: records every packet, `message` or `messages`, and lets the test answer each ack. */
class FakeSocket implements EnvelopeSink {
  readonly packets: { event: 'message' | 'messages'; envelopes: Envelope[]; ack: (reply: MessageAck) => void }[] = [];
  /** Sent and not yet answered, in send order. */
  readonly unacked = new Set<string>();
  peakUnacked = 0;

  emit(event: 'message', envelope: Envelope, ack: (reply: MessageAck) => void): void;
  emit(event: 'messages', envelopes: Envelope[], ack: (reply: MessageAck) => void): void;
  emit(event: 'message' | 'messages', sent: Envelope | Envelope[], ack: (reply: MessageAck) => void) {
    const envelopes = Array.isArray(sent) ? sent : [sent];
    this.packets.push({ event, envelopes, ack });
    envelopes.forEach((e) => this.unacked.add(e.id));
    this.peakUnacked = Math.max(this.peakUnacked, this.unacked.size);
  }

  get ids() {
    return this.packets.flatMap((p) => p.envelopes.map((e) => e.id));
  }

  /** Answers the latest packet carrying `id` (again, if it was answered already): with batches, every envelope in it. */
  ack(id: string, ok = true) {
    const packet = this.packets.findLast((p) => p.envelopes.some((e) => e.id === id))!;
    packet.envelopes.forEach((e) => this.unacked.delete(e.id));
    packet.ack({ ok });
  }

  /** Answers the packets of the `count` oldest unanswered envelopes. */
  ackOldest(count: number, ok = true) {
    for (const id of [...this.unacked].slice(0, count)) if (this.unacked.has(id)) this.ack(id, ok);
  }
}

/** The device's durable queue, ordered by seq; a read can be held to play a slow database. */
class FakeQueue implements QueueAccess {
  private entries: QueuedEnvelope[] = [];
  private heldRead?: Promise<void>;
  readonly reads: { afterSeq: number; limit: number }[] = [];
  readonly acknowledged: string[] = [];

  store(...seqs: number[]) {
    this.entries.push(...seqs.map(stored));
    this.entries.sort((a, b) => a.seq - b.seq);
  }

  /** The next read sees the queue as it is when it starts, and answers when the returned function is called. */
  holdNextRead(): () => void {
    const gate = deferred();
    this.heldRead = gate.promise;
    return gate.resolve;
  }

  async pageQueue(afterSeq: number, limit: number) {
    this.reads.push({ afterSeq, limit });
    const page = this.entries.filter((q) => q.seq > afterSeq).slice(0, limit);
    const held = this.heldRead;
    this.heldRead = undefined;
    if (held) await held;
    return page;
  }

  async acknowledge(id: string) {
    this.acknowledged.push(id);
    this.entries = this.entries.filter((q) => q.envelope.id !== id);
  }
}

/** Lets pending continuations run, then the batch writes they left for the end of that turn. */
const settleWrites = async () => {
  await settle();
  await settle();
};

/** A connection on fakes, and the helpers every test of it uses. */
function setUp(batching: boolean) {
  const socket = new FakeSocket();
  const queue = new FakeQueue();
  const connection = new DeviceConnection(socket, queue, batching);
  return {
    socket,
    queue,
    connection,
    /** A live envelope as MessagesService produces it: stored first, then published. */
    arrive: (...seqs: number[]) =>
      seqs.forEach((seq) => {
        queue.store(seq);
        connection.offer(stored(seq));
      }),
    /** Answers everything sent, again and again, until the connection sends nothing more. */
    ackUntilIdle: async () => {
      await settleWrites();
      while (socket.unacked.size > 0) {
        socket.ackOldest(socket.unacked.size);
        await settleWrites();
      }
    },
  };
}

describe.each([
  ['one `message` per envelope', false],
  ['batched `messages`', true],
])('DeviceConnection, %s', (_, batching) => {
  let socket: FakeSocket;
  let queue: FakeQueue;
  let connection: DeviceConnection;
  let arrive: (...seqs: number[]) => void;
  let ackUntilIdle: () => Promise<void>;
  beforeEach(() => {
    ({ socket, queue, connection, arrive, ackUntilIdle } = setUp(batching));
  });

  it('sends the queue oldest first, then live envelopes as they arrive', async () => {
    queue.store(3, 1, 2);
    await connection.drain();
    arrive(4);
    connection.offer(onlineOnly('o1'));
    await settleWrites();
    expect(socket.ids).toEqual(['m1', 'm2', 'm3', 'm4', 'o1']);
  });

  it('holds live envelopes that arrive during a slow drain and sends them after it, in queue order', async () => {
    queue.store(1, 2);
    const answerRead = queue.holdNextRead();
    const drained = connection.drain();
    arrive(5);
    arrive(4);
    await settleWrites();
    expect(socket.ids).toEqual([]);
    answerRead();
    await drained;
    await settleWrites();
    expect(socket.ids).toEqual(ids([1, 2, 4, 5]));
  });

  it('sends an envelope once when it comes through both the queue and the live path, or through two drains', async () => {
    queue.store(1, 2, 3);
    const answerRead = queue.holdNextRead();
    const drained = connection.drain();
    connection.offer(stored(3));
    answerRead();
    await drained;
    connection.offer(stored(2));
    await connection.drain();
    await settleWrites();
    expect(socket.ids).toEqual(ids([1, 2, 3]));
  });

  it('reads the queue again after the running drain when a drain is requested during it', async () => {
    queue.store(1);
    const answerRead = queue.holdNextRead();
    const first = connection.drain();
    queue.store(2);
    await connection.drain();
    answerRead();
    await first;
    await settleWrites();
    expect(socket.ids).toEqual(ids([1, 2]));
  });

  it('drops online-only envelopes while the window is full, and sends them again once it has room', async () => {
    queue.store(...range(1, MAX_IN_FLIGHT));
    const answerRead = queue.holdNextRead();
    const drained = connection.drain();
    connection.offer(onlineOnly('held during the drain'));
    answerRead();
    await drained;
    connection.offer(onlineOnly('window full'));
    await ackUntilIdle();
    connection.offer(onlineOnly('room again'));
    await settleWrites();
    expect(socket.ids).toEqual([...ids(range(1, MAX_IN_FLIGHT)), 'room again']);
  });

  it.each([
    [
      'a drain filled the window',
      async () => {
        queue.store(...range(1, MAX_IN_FLIGHT));
        await connection.drain();
      },
    ],
    [
      'live envelopes filled the window',
      async () => {
        await connection.drain();
        arrive(...range(1, MAX_IN_FLIGHT));
      },
    ],
  ])(
    'never loses a stored envelope that arrives when %s: it comes from the queue, in order, once acks free half the window',
    async (_, fillWindow) => {
      await fillWindow();
      await settleWrites();
      expect(socket.ids).toHaveLength(MAX_IN_FLIGHT);
      arrive(MAX_IN_FLIGHT + 1, MAX_IN_FLIGHT + 2);
      await settleWrites();
      expect(socket.ids).toHaveLength(MAX_IN_FLIGHT);
      socket.ackOldest(MAX_IN_FLIGHT / 2);
      await settleWrites();
      expect(socket.ids).toEqual(ids(range(1, MAX_IN_FLIGHT + 2)));
    },
  );

  it('loses no stored envelope from a burst during a slow drain that overflows the window and the hold buffer', async () => {
    const answerRead = queue.holdNextRead();
    const drained = connection.drain();
    range(1, 2000).forEach((n) => connection.offer(onlineOnly(`o${n}`)));
    arrive(...range(1, 1500));
    answerRead();
    await drained;
    await ackUntilIdle();
    expect(socket.ids.filter((id) => id.startsWith('m'))).toEqual(ids(range(1, 1500)));
    expect(socket.peakUnacked).toBe(MAX_IN_FLIGHT);
  });

  it('deletes acknowledged stored envelopes from the queue, once each; online-only acks delete nothing', async () => {
    await connection.drain();
    arrive(1);
    connection.offer(onlineOnly('o1'));
    await settleWrites();
    socket.ack('m1');
    socket.ack('m1');
    socket.ack('o1');
    await settle();
    expect(queue.acknowledged).toEqual(['m1']);
  });

  it('sends nothing after close: not the page being read, not live envelopes, not the rest of the backlog', async () => {
    queue.store(...range(1, 300));
    await connection.drain();
    await settleWrites();
    const answerRead = queue.holdNextRead();
    socket.ackOldest(MAX_IN_FLIGHT);
    await settle();
    expect(queue.reads.at(-1)).toEqual({ afterSeq: 0, limit: MAX_IN_FLIGHT });
    connection.close();
    const readsAtClose = queue.reads.length;
    answerRead();
    arrive(301);
    connection.offer(onlineOnly('o1'));
    await ackUntilIdle();
    await connection.drain();
    await settleWrites();
    expect(socket.ids).toEqual(ids(range(1, MAX_IN_FLIGHT)));
    expect(queue.reads).toHaveLength(readsAtClose);
  });

  it('a live envelope offered before the first drain does not overtake the queue', async () => {
    // The gateway subscribes the connection to the delivery bus in admit() and calls drain() only
    // later, in handleConnection(); a live envelope in between is sent at once, before the backlog.
    queue.store(1);
    arrive(2);
    await connection.drain();
    await settleWrites();
    expect(socket.ids).toEqual(ids([1, 2]));
  });
});

describe('DeviceConnection, one `message` per envelope (clients that did not ask for batches)', () => {
  let socket: FakeSocket;
  let queue: FakeQueue;
  let connection: DeviceConnection;
  let arrive: (...seqs: number[]) => void;
  let ackUntilIdle: () => Promise<void>;
  beforeEach(() => {
    ({ socket, queue, connection, arrive, ackUntilIdle } = setUp(false));
  });

  it('emits each envelope at once as its own `message`', async () => {
    queue.store(1, 2);
    await connection.drain();
    expect(socket.packets.map((p) => [p.event, p.envelopes.length])).toEqual([
      ['message', 1],
      ['message', 1],
    ]);
  });

  it('never has more than MAX_IN_FLIGHT envelopes unacknowledged, and reads the next page once acks free half the window', async () => {
    queue.store(...range(1, 300));
    await connection.drain();
    expect(socket.ids).toEqual(ids(range(1, MAX_IN_FLIGHT)));
    const readsWhenFull = queue.reads.length;

    socket.ackOldest(MAX_IN_FLIGHT / 2 - 1);
    await settle();
    expect(queue.reads.length).toBe(readsWhenFull);
    expect(socket.ids).toHaveLength(MAX_IN_FLIGHT);

    socket.ackOldest(1);
    await settle();
    expect(queue.reads.length).toBeGreaterThan(readsWhenFull);
    expect(socket.ids).toEqual(ids(range(1, MAX_IN_FLIGHT + MAX_IN_FLIGHT / 2)));
    expect(socket.unacked.size).toBe(MAX_IN_FLIGHT);

    await ackUntilIdle();
    expect(socket.ids).toEqual(ids(range(1, 300)));
    expect(socket.peakUnacked).toBe(MAX_IN_FLIGHT);
  });

  it('offers a refused envelope again on the next drain, and does not delete it from the queue', async () => {
    queue.store(1, 2);
    await connection.drain();
    socket.ack('m1', false);
    socket.ack('m2');
    await settle();
    expect(queue.acknowledged).toEqual(['m2']);
    await connection.drain();
    expect(socket.ids).toEqual(['m1', 'm2', 'm1']);
  });

  it('does not let live stored envelopes overtake queued ones still waiting for room (online-only ones may use the room)', async () => {
    queue.store(...range(1, 200));
    await connection.drain();
    socket.ackOldest(1);
    await settle();
    arrive(201);
    connection.offer(onlineOnly('o1'));
    expect(socket.ids.slice(MAX_IN_FLIGHT)).toEqual(['o1']);
    await ackUntilIdle();
    expect(socket.ids.filter((id) => id !== 'o1')).toEqual(ids(range(1, 201)));
  });
});

describe('DeviceConnection, batched `messages` (clients that asked for batches)', () => {
  let socket: FakeSocket;
  let queue: FakeQueue;
  let connection: DeviceConnection;
  let arrive: (...seqs: number[]) => void;
  let ackUntilIdle: () => Promise<void>;
  beforeEach(() => {
    ({ socket, queue, connection, arrive, ackUntilIdle } = setUp(true));
  });

  const packets = () => socket.packets.map((p) => [p.event, p.envelopes.map((e) => e.id)]);

  it('writes what one turn of the event loop sent as one packet, in order, and the next turn’s as another', async () => {
    queue.store(1, 2);
    await connection.drain();
    arrive(3);
    connection.offer(onlineOnly('o1'));
    expect(socket.packets).toEqual([]);
    await settleWrites();
    arrive(4);
    await settleWrites();
    expect(packets()).toEqual([
      ['messages', ['m1', 'm2', 'm3', 'o1']],
      ['messages', ['m4']],
    ]);
  });

  it('cuts a drain into packets of at most MAX_ENVELOPES_PER_BATCH and counts envelopes, not packets, against the window', async () => {
    queue.store(...range(1, 300));
    await connection.drain();
    await settleWrites();
    expect(socket.packets.map((p) => p.envelopes.length)).toEqual([MAX_ENVELOPES_PER_BATCH, MAX_IN_FLIGHT - MAX_ENVELOPES_PER_BATCH]);

    socket.ack('m1'); // answers the whole first packet: half the window is free
    await settleWrites();
    expect(socket.ids).toEqual(ids(range(1, MAX_IN_FLIGHT + MAX_ENVELOPES_PER_BATCH)));
    expect(socket.unacked.size).toBe(MAX_IN_FLIGHT);

    await ackUntilIdle();
    expect(socket.ids).toEqual(ids(range(1, 300)));
    expect(socket.peakUnacked).toBe(MAX_IN_FLIGHT);
    expect(Math.max(...socket.packets.map((p) => p.envelopes.length))).toBe(MAX_ENVELOPES_PER_BATCH);
  });

  it('closes a packet once its contents reach MAX_BATCH_CONTENT_CHARS; a larger envelope goes alone', async () => {
    await connection.drain();
    const sized = (id: string, chars: number): QueuedEnvelope => ({
      ...onlineOnly(id),
      envelope: { ...envelope(id, 0), content: 'A'.repeat(chars) },
    });
    const half = MAX_BATCH_CONTENT_CHARS / 2;
    [sized('a', half), sized('b', half), sized('huge', MAX_BATCH_CONTENT_CHARS + 1), sized('c', 10), sized('d', 10)].forEach((q) =>
      connection.offer(q),
    );
    await settleWrites();
    expect(packets()).toEqual([
      ['messages', ['a', 'b']],
      ['messages', ['huge']],
      ['messages', ['c', 'd']],
    ]);
  });

  it('deletes every stored envelope of a packet on its one ack; a refusal deletes none and the next drain offers them all again, in order', async () => {
    queue.store(1, 2, 3);
    await connection.drain();
    await settleWrites();
    socket.ack('m2', false);
    await settle();
    expect(queue.acknowledged).toEqual([]);

    await connection.drain();
    await settleWrites();
    expect(packets()).toEqual([
      ['messages', ids([1, 2, 3])],
      ['messages', ids([1, 2, 3])],
    ]);
    socket.ack('m1');
    socket.ack('m1');
    await settle();
    expect(queue.acknowledged).toEqual(ids([1, 2, 3]));
  });

  it('writes nothing when the connection closes before the end of the turn', async () => {
    await connection.drain();
    arrive(1);
    connection.close();
    await settleWrites();
    expect(socket.packets).toEqual([]);
  });
});
