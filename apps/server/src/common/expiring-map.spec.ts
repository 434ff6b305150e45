import { ManualClock } from './clock';
import { ExpiringMap } from './expiring-map';

describe('ExpiringMap', () => {
  let clock: ManualClock;
  beforeEach(() => {
    clock = new ManualClock(1_000_000);
  });

  it('answers an entry until it expires, then forgets it', () => {
    const map = new ExpiringMap<string>(clock, 10);
    map.set('k', 'v', clock.now() + 1000);
    clock.advance(999);
    expect(map.get('k')).toBe('v');
    clock.advance(1);
    expect(map.get('k')).toBeUndefined();
    expect(map.size).toBe(0);
  });

  it('holds at most maxEntries, forgetting the least recently written first', () => {
    const map = new ExpiringMap<number>(clock, 3);
    for (const key of ['a', 'b', 'c']) map.set(key, 1, clock.now() + 60_000);
    map.set('a', 2, clock.now() + 60_000);
    map.set('d', 1, clock.now() + 60_000);
    expect(['a', 'b', 'c', 'd'].map((key) => map.get(key))).toEqual([2, undefined, 1, 1]);
  });

  it('sweeps out expired entries nobody reads again, so their memory is not kept', () => {
    const map = new ExpiringMap<number>(clock, 1_000_000);
    for (let i = 0; i < 1024; i++) map.set(`old ${i}`, i, clock.now() + 1000);
    clock.advance(1000);
    for (let i = 0; i < 10; i++) map.set(`new ${i}`, i, clock.now() + 1000);
    expect(map.size).toBe(10);
  });
});
