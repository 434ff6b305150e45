import { randomBytes } from 'node:crypto';
import { WitnessRepository } from '../../apps/server/src/transparency/witness.repository';
import { useMediumContext } from './medium-context';

describe('WitnessRepository (medium)', () => {
  const ctx = useMediumContext();
  let witness: WitnessRepository;
  beforeAll(() => {
    witness = new WitnessRepository(ctx.db);
  });
  const checkpoint = (size: number) => ({ size, rootHash: randomBytes(32), note: `p.test/parley-keys\n${size}\n…\n` });

  it('forgets a log caught equivocating, so it is cosigned afresh (parley-admin witness forgive), keeping the evidence', async () => {
    const origin = `p${randomBytes(3).toString('hex')}.test/parley-keys`;
    const [first, second] = [checkpoint(5), checkpoint(5)];
    await ctx.db.transaction(async (tx) => {
      await witness.lockLog(origin, tx);
      await witness.recordCosigned(origin, first, new Date(), tx);
      await witness.recordEquivocation(
        { origin, kind: 'fork', source: 'submission', firstNote: first.note, secondNote: second.note, proof: null },
        new Date(),
        tx,
      );
    });
    expect(await ctx.db.transaction((tx) => witness.lockLog(origin, tx))).toMatchObject({ equivocated: true });

    expect(await witness.forgetLog(origin)).toBe(true);
    expect(await ctx.db.transaction((tx) => witness.lockLog(origin, tx))).toEqual({ cosigned: null, equivocated: false });
    expect(await ctx.db.transaction((tx) => witness.findSeen(origin, 5, tx))).toBeNull();
    expect((await witness.listEquivocations(100)).filter((e) => e.origin === origin)).toHaveLength(1);
    expect(await witness.forgetLog('nobody.test/parley-keys')).toBe(false);
  });
});
