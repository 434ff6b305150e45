import { randomBytes } from 'node:crypto';
import { Clock } from '../../apps/server/src/common/clock';
import { CosignaturesRepository } from '../../apps/server/src/transparency/cosignatures.repository';
import { CHECKPOINT_RETENTION_MS, KeyLogRetention } from '../../apps/server/src/transparency/key-log-retention';
import { KeyLogRepository } from '../../apps/server/src/transparency/key-log.repository';
import { useMediumContext } from './medium-context';

describe('KeyLogRetention (medium)', () => {
  const ctx = useMediumContext();
  const now = Date.now();
  const old = new Date(now - CHECKPOINT_RETENTION_MS - 60_000);
  const recent = new Date(now - 60_000);

  const sizes = async () =>
    (await ctx.db.rows<{ size: string }>('SELECT size FROM key_log_checkpoints ORDER BY size')).map((r) => Number(r.size));
  const cosigned = async () =>
    (await ctx.db.rows<{ size: string; witness: string }>('SELECT size, witness FROM key_log_cosignatures ORDER BY size, witness')).map(
      (r) => `${r.size}:${r.witness}`,
    );

  it('prunes superseded checkpoints and cosignatures older than a day, keeping the newest and the newest cosigned', async () => {
    await ctx.db.execute('DELETE FROM key_log_checkpoints');
    const checkpoint = (size: number, at: Date) =>
      ctx.db.execute('INSERT INTO key_log_checkpoints (size, root_hash, note, created_at) VALUES ($1, $2, $3, $4)', [
        size,
        randomBytes(32),
        `localhost/parley-keys\n${size}\n…\n`,
        at,
      ]);
    const cosignature = (size: number, witness: string, at: Date) =>
      ctx.db.execute('INSERT INTO key_log_cosignatures (size, witness, signature, cosigned_at) VALUES ($1, $2, $3, $4)', [
        size,
        witness,
        `— ${witness} …\n`,
        at,
      ]);
    for (const size of [1, 2, 3, 4, 5]) await checkpoint(size, old);
    await checkpoint(6, recent);
    await checkpoint(7, old); // the newest, however old
    await cosignature(2, 'w1.test/parley-witness', old);
    await cosignature(4, 'w1.test/parley-witness', old); // the newest cosigned: served as `witnessed`
    await cosignature(4, 'w2.test/parley-witness', old);
    await cosignature(3, 'w2.test/parley-witness', recent);

    const clock: Clock = { now: () => now };
    await new KeyLogRetention(new KeyLogRepository(ctx.db), new CosignaturesRepository(ctx.db), clock).pruneSuperseded();

    expect(await sizes()).toEqual([4, 6, 7]);
    expect(await cosigned()).toEqual(['3:w2.test/parley-witness', '4:w1.test/parley-witness', '4:w2.test/parley-witness']);
  });
});
