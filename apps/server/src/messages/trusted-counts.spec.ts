import { MAX_TRACKED, TRUST_MS, TrustedCounts } from './trusted-counts';

const BOUND = 10;
const NOW = 1_000_000;

/** The real counts of scope `s` (absent: 0), and every read. */
class FakeCounts {
  readonly real = new Map<number, number>();
  readonly reads: number[][] = [];
  readonly read = async (deviceIds: number[]) => {
    this.reads.push(deviceIds);
    return new Map(deviceIds.filter((id) => this.real.has(id)).map((id) => [id, this.real.get(id)!]));
  };
}

describe('TrustedCounts', () => {
  let fake: FakeCounts;
  let counts: TrustedCounts;
  beforeEach(() => {
    fake = new FakeCounts();
    counts = new TrustedCounts();
  });
  const get = (deviceIds: number[], now = NOW, scope = 's') => counts.counts(scope, deviceIds, BOUND, now, fake.read);

  it('reads unknown counts in one call; a device absent from the answer counts 0', async () => {
    fake.real.set(1, BOUND).set(2, 3);
    expect(await get([1, 2, 3])).toEqual(
      new Map([
        [1, BOUND],
        [2, 3],
        [3, 0],
      ]),
    );
    expect(fake.reads).toEqual([[1, 2, 3]]);
  });

  it('trusts a count under half the bound for TRUST_MS, then reads it again', async () => {
    fake.real.set(1, 2);
    await get([1]);
    fake.real.set(1, BOUND); // other processes filled the queue meanwhile
    expect((await get([1], NOW + TRUST_MS)).get(1)).toBe(2);
    expect(fake.reads).toHaveLength(1);
    expect((await get([1], NOW + TRUST_MS + 1)).get(1)).toBe(BOUND);
    expect(fake.reads).toHaveLength(2);
  });

  it('reads a count on every call once it is at half the bound or more', async () => {
    fake.real.set(1, BOUND / 2).set(2, BOUND / 2 - 1);
    await get([1, 2]);
    await get([1, 2]);
    expect(fake.reads).toEqual([[1, 2], [1]]);
  });

  it('counts envelopes stored since the read, so crossing half the bound makes the next call read again', async () => {
    fake.real.set(1, BOUND / 2 - 1);
    await get([1]);
    counts.noteStored('other scope', [1]);
    await get([1]);
    expect(fake.reads).toHaveLength(1);
    counts.noteStored('s', [1]);
    expect((await get([1])).get(1)).toBe(BOUND / 2 - 1); // read again: the real count, not the local guess
    expect(fake.reads).toHaveLength(2);
  });

  it('ignores envelopes stored for devices it does not know: their count is read when first asked', async () => {
    fake.real.set(1, BOUND);
    counts.noteStored('s', [1]);
    expect((await get([1])).get(1)).toBe(BOUND);
    expect(fake.reads).toEqual([[1]]);
  });

  it('keeps each scope’s counts apart', async () => {
    fake.real.set(1, 2);
    await get([1], NOW, 'a');
    await get([1], NOW, 'b');
    expect(fake.reads).toEqual([[1], [1]]);
  });

  it(`forgets the least recently read counts beyond ${MAX_TRACKED}`, async () => {
    fake.real.set(1, BOUND / 2); // re-read on every call, so it is always the most recently read
    await get(Array.from({ length: MAX_TRACKED }, (_, i) => i + 1));
    await get([1]);
    await get([MAX_TRACKED + 1]); // one too many: device 2, read least recently, is forgotten
    expect(fake.reads.slice(1)).toEqual([[1], [MAX_TRACKED + 1]]);

    await get([2]);
    await get([4]); // still known and trusted
    expect(fake.reads.slice(3)).toEqual([[2]]);
  });
});
