import type { Envelope, MessageAck } from '@parley/protocol';
import type { QueuedEnvelope } from '../delivery/device-signal';
import type { QueueAccess } from '../messages/device-queue.service';
import { deferred, settle } from '../../../../test/support/deferred';
import { DeviceConnection, EnvelopeSink, MAX_IN_FLIGHT } from './device-connection';

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

/** The device's socket: records every emit and lets the test answer each ack. */
class FakeSocket implements EnvelopeSink {
  readonly emitted: { envelope: Envelope; ack: (reply: MessageAck) => void }[] = [];
  /** Sent and not yet answered, in send order. */
  readonly unacked = new Set<string>();
  peakUnacked = 0;

  emit = (_event: 'message', sent: Envelope, ack: (reply: MessageAck) => void) => {
    this.emitted.push({ envelope: sent, ack });
    this.unacked.add(sent.id);
    this.peakUnacked = Math.max(this.peakUnacked, this.unacked.size);
  };

  get ids() {
    return this.emitted.map((e) => e.envelope.id);
  }

  /** Answers the latest emit of `id` (again, if it was answered already). */
  ack(id: string, ok = true) {
    this.unacked.delete(id);
    [...this.emitted]
      .reverse()
      .find((e) => e.envelope.id === id)!
      .ack({ ok });
  }

  ackOldest(count: number, ok = true) {
    for (const id of [...this.unacked].slice(0, count)) this.ack(id, ok);
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

describe('DeviceConnection', () => {
  let socket: FakeSocket;
  let queue: FakeQueue;
  let connection: DeviceConnection;
  beforeEach(() => {
    socket = new FakeSocket();
    queue = new FakeQueue();
    connection = new DeviceConnection(socket, queue);
  });

  /** A live envelope as MessagesService produces it: stored first, then published. */
  const arrive = (...seqs: number[]) =>
    seqs.forEach((seq) => {
      queue.store(seq);
      connection.offer(stored(seq));
    });

  /** Answers everything sent, again and again, until the connection sends nothing more. */
  const ackUntilIdle = async () => {
    await settle();
    while (socket.unacked.size > 0) {
      socket.ackOldest(socket.unacked.size);
      await settle();
    }
  };

  it('sends the queue oldest first, then live envelopes as they arrive', async () => {
    queue.store(3, 1, 2);
    await connection.drain();
    arrive(4);
    connection.offer(onlineOnly('o1'));
    expect(socket.ids).toEqual(['m1', 'm2', 'm3', 'm4', 'o1']);
  });

  it('holds live envelopes that arrive during a slow drain and sends them after it, in queue order', async () => {
    queue.store(1, 2);
    const answerRead = queue.holdNextRead();
    const drained = connection.drain();
    arrive(5);
    arrive(4);
    await settle();
    expect(socket.ids).toEqual([]);
    answerRead();
    await drained;
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
    expect(socket.ids).toEqual(ids([1, 2, 3]));
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

  it('reads the queue again after the running drain when a drain is requested during it', async () => {
    queue.store(1);
    const answerRead = queue.holdNextRead();
    const first = connection.drain();
    queue.store(2);
    await connection.drain();
    answerRead();
    await first;
    expect(socket.ids).toEqual(ids([1, 2]));
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
      expect(socket.ids).toHaveLength(MAX_IN_FLIGHT);
      arrive(MAX_IN_FLIGHT + 1, MAX_IN_FLIGHT + 2);
      expect(socket.ids).toHaveLength(MAX_IN_FLIGHT);
      socket.ackOldest(MAX_IN_FLIGHT / 2);
      await settle();
      expect(socket.ids).toEqual(ids(range(1, MAX_IN_FLIGHT + 2)));
    },
  );

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
    socket.ack('m1');
    socket.ack('m1');
    socket.ack('o1');
    await settle();
    expect(queue.acknowledged).toEqual(['m1']);
  });

  it('sends nothing after close: not the page being read, not live envelopes, not the rest of the backlog', async () => {
    queue.store(...range(1, 300));
    await connection.drain();
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
    expect(socket.ids).toEqual(ids(range(1, MAX_IN_FLIGHT)));
    expect(queue.reads).toHaveLength(readsAtClose);
  });

  it('a live envelope offered before the first drain does not overtake the queue', async () => {
    // The gateway subscribes the connection to the delivery bus in admit() and calls drain() only
    // later, in handleConnection(); a live envelope in between is sent at once, before the backlog.
    queue.store(1);
    arrive(2);
    await connection.drain();
    expect(socket.ids).toEqual(ids([1, 2]));
  });
});
