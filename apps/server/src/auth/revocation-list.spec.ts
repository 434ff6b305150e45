import { ManualClock } from '../common/clock';
import { MemoryRevocationList } from './revocation-list';

const listWithClock = () => {
  const clock = new ManualClock(1_000_000);
  return { clock, list: new MemoryRevocationList(clock) };
};

describe('MemoryRevocationList', () => {
  it('keeps revoked sessions revoked for exactly ttlSeconds, then forgets them', async () => {
    const { clock, list } = listWithClock();
    await list.revoke(['s1', 's2'], 60);
    clock.advance(60_000);
    expect([await list.isRevoked('s1'), await list.isRevoked('s2'), await list.isRevoked('s3')]).toEqual([true, true, false]);
    clock.advance(1);
    expect([await list.isRevoked('s1'), await list.isRevoked('s2')]).toEqual([false, false]);
  });

  it('counts the time from the latest revocation of a session', async () => {
    const { clock, list } = listWithClock();
    await list.revoke(['s1'], 60);
    clock.advance(50_000);
    await list.revoke(['s1'], 60);
    clock.advance(60_000);
    expect(await list.isRevoked('s1')).toBe(true);
    clock.advance(1);
    expect(await list.isRevoked('s1')).toBe(false);
  });
});
