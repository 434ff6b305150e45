import { ManualClock } from '../common/clock';
import type { ParleyConfig } from '../config/config';
import type { MessagesRepository } from './messages.repository';
import { QueueBound } from './queue-bound';

const QUEUE = 10;
const SHARE = 4;

/** The real queues of account `a`'s devices: their lengths, the envelopes each sender holds in them, and every count read. */
class FakeMessages {
  readonly lengths = new Map<number, number>();
  readonly held = new Map<string, number>();
  readonly reads: { source?: string; deviceIds: number[] }[] = [];

  /** Device `deviceId`'s queue is `length` long, `count` of it from `sender`. */
  queue(deviceId: number, length: number, sender?: string, count = length) {
    this.lengths.set(deviceId, length);
    if (sender) this.held.set(`${sender}#${deviceId}`, count);
    return this;
  }

  async countQueued(accountId: string, deviceIds: number[], source?: string) {
    this.reads.push({ ...(source !== undefined && { source }), deviceIds });
    const count = (id: number) => (source === undefined ? this.lengths.get(id) : this.held.get(`${source}#${id}`));
    const counted = deviceIds.filter((id) => accountId === 'a' && count(id) !== undefined);
    return new Map(counted.map((id) => [id, count(id)!]));
  }
}

describe('QueueBound', () => {
  let messages: FakeMessages;
  let bound: QueueBound;
  beforeEach(() => {
    messages = new FakeMessages();
    bound = new QueueBound(
      { maxQueuedPerDevice: QUEUE, maxQueuedPerSender: SHARE } as ParleyConfig,
      messages as unknown as MessagesRepository,
      new ManualClock(1_000_000),
    );
  });

  it('refuses the first device whose queue is full, for every sender, reading all lengths in one query', async () => {
    messages.queue(2, QUEUE).queue(3, QUEUE);
    expect(await bound.findRefusal('a', [1, 2, 3], 'mallory')).toEqual({ deviceId: 2, bound: 'queue' });
    expect(await bound.findRefusal('a', [1, 2, 3], null)).toEqual({ deviceId: 2, bound: 'queue' });
    expect(messages.reads[0]).toEqual({ deviceIds: [1, 2, 3] });
  });

  it('refuses a sender whose envelopes in a device’s queue reach its share, and no other sender', async () => {
    messages.queue(1, SHARE + 1, 'mallory', SHARE).queue(2, 0);
    expect(await bound.findRefusal('a', [2, 1], 'mallory')).toEqual({ deviceId: 1, bound: 'share' });
    expect(await bound.findRefusal('a', [2, 1], 'alice')).toBeUndefined();
  });

  it('counts a sender’s envelopes only in queues at least a share long: an ordinary send reads no share', async () => {
    messages.queue(1, SHARE - 1, 'mallory').queue(2, SHARE, 'alice', 1);
    expect(await bound.findRefusal('a', [1, 2], 'mallory')).toBeUndefined();
    expect(messages.reads).toEqual([{ deviceIds: [1, 2] }, { source: 'mallory', deviceIds: [2] }]);
  });

  it('holds the sender’s own devices (sender null) to the queue bound only', async () => {
    messages.queue(1, QUEUE - 1, 'alice');
    expect(await bound.findRefusal('a', [1], null)).toBeUndefined();
    expect(messages.reads).toEqual([{ deviceIds: [1] }]);
  });

  it('counts what a sender stores towards its share until its count is read again', async () => {
    messages.queue(1, SHARE, 'mallory', 1);
    expect(await bound.findRefusal('a', [1], 'mallory')).toBeUndefined();
    bound.noteStored('a', [1], 'alice');
    bound.noteStored('a', [1], null);
    expect(await bound.findRefusal('a', [1], 'mallory')).toBeUndefined();
    expect(messages.reads.filter((r) => r.source)).toHaveLength(1); // 1 of a share of 4: trusted
    bound.noteStored('a', [1], 'mallory');
    messages.queue(1, SHARE + 3, 'mallory', SHARE);
    expect(await bound.findRefusal('a', [1], 'mallory')).toEqual({ deviceId: 1, bound: 'share' }); // 2 of 4: read again
    expect(messages.reads.filter((r) => r.source)).toHaveLength(2);
  });
});
