import { ManualClock } from '../common/clock';
import type { ParleyConfig } from '../config/config';
import type { MessagesRepository } from './messages.repository';
import { MAX_TRACKED, QueueBound, TRUST_MS } from './queue-bound';

const BOUND = 10;

/** The real queue lengths of account `a`'s devices (absent: empty), and every count read. */
class FakeMessages {
  readonly lengths = new Map<number, number>();
  readonly reads: number[][] = [];

  async countQueued(accountId: string, deviceIds: number[]) {
    this.reads.push(deviceIds);
    const counted = deviceIds.filter((id) => accountId === 'a' && this.lengths.has(id));
    return new Map(counted.map((id) => [id, this.lengths.get(id)!]));
  }
}

describe('QueueBound', () => {
  let clock: ManualClock;
  let messages: FakeMessages;
  let bound: QueueBound;
  beforeEach(() => {
    clock = new ManualClock(1_000_000);
    messages = new FakeMessages();
    bound = new QueueBound({ maxQueuedPerDevice: BOUND } as ParleyConfig, messages as unknown as MessagesRepository, clock);
  });

  it('reads unknown lengths in one query and reports only the full devices', async () => {
    messages.lengths.set(1, BOUND).set(2, 3);
    expect(await bound.findFullDevices('a', [1, 2, 3])).toEqual([1]);
    expect(messages.reads).toEqual([[1, 2, 3]]);
  });

  it('trusts a length under half the bound for TRUST_MS, then reads it again', async () => {
    messages.lengths.set(1, 2);
    await bound.findFullDevices('a', [1]);
    messages.lengths.set(1, BOUND); // other processes filled the queue meanwhile
    clock.advance(TRUST_MS);
    expect(await bound.findFullDevices('a', [1])).toEqual([]);
    expect(messages.reads).toHaveLength(1);
    clock.advance(1);
    expect(await bound.findFullDevices('a', [1])).toEqual([1]);
    expect(messages.reads).toHaveLength(2);
  });

  it('reads a length on every check once it is at half the bound or more', async () => {
    messages.lengths.set(1, BOUND / 2).set(2, BOUND / 2 - 1);
    await bound.findFullDevices('a', [1, 2]);
    await bound.findFullDevices('a', [1, 2]);
    expect(messages.reads).toEqual([[1, 2], [1]]);
  });

  it('counts envelopes stored since the read, so crossing half the bound makes the next check read again', async () => {
    messages.lengths.set(1, BOUND / 2 - 1);
    await bound.findFullDevices('a', [1]);
    bound.noteStored('b', [1]);
    await bound.findFullDevices('a', [1]);
    expect(messages.reads).toHaveLength(1);
    bound.noteStored('a', [1]);
    await bound.findFullDevices('a', [1]);
    expect(messages.reads).toHaveLength(2);
  });

  it('ignores envelopes stored for devices it does not know: their length is read when first checked', async () => {
    messages.lengths.set(1, BOUND);
    bound.noteStored('a', [1]);
    expect(await bound.findFullDevices('a', [1])).toEqual([1]);
    expect(messages.reads).toEqual([[1]]);
  });

  it(`forgets the least recently read lengths beyond ${MAX_TRACKED} devices`, async () => {
    messages.lengths.set(1, BOUND / 2); // re-read on every check, so it is always the most recently read
    const all = Array.from({ length: MAX_TRACKED }, (_, i) => i + 1);
    await bound.findFullDevices('a', all);
    await bound.findFullDevices('a', [1]);
    await bound.findFullDevices('a', [MAX_TRACKED + 1]); // one too many: device 2, read least recently, is forgotten
    expect(messages.reads.slice(1)).toEqual([[1], [MAX_TRACKED + 1]]);

    await bound.findFullDevices('a', [2]);
    await bound.findFullDevices('a', [4]); // still known and trusted
    expect(messages.reads.slice(3)).toEqual([[2]]);
  });
});
