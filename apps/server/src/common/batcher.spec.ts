import { Batcher } from './batcher';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
};

describe('Batcher (group commit)', () => {
  it('flushes the first item alone, then everything that queued meanwhile together', async () => {
    const batches: number[][] = [];
    const gate = deferred();
    const batcher = new Batcher<number, number>(
      async (items) => {
        batches.push(items);
        if (batches.length === 1) await gate.promise;
        return items.map((i) => i * 10);
      },
      100,
      1,
    );
    const results = [1, 2, 3, 4].map((i) => batcher.submit(i));
    gate.resolve();
    expect(await Promise.all(results)).toEqual([10, 20, 30, 40]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('caps batch size and runs at most maxConcurrent flushes at once', async () => {
    let running = 0;
    let peak = 0;
    const sizes: number[] = [];
    const batcher = new Batcher<number>(
      async (items) => {
        running++;
        peak = Math.max(peak, running);
        sizes.push(items.length);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        return items.map((): void => undefined);
      },
      3,
      2,
    );
    await Promise.all(Array.from({ length: 20 }, (_, i) => batcher.submit(i)));
    expect(peak).toBeLessThanOrEqual(2);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(3);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(20);
  });

  it('rejects every item of a failed flush and keeps serving later ones', async () => {
    let fail = true;
    const batcher = new Batcher<number, number>(
      async (items) => {
        if (fail) {
          fail = false;
          throw new Error('disk full');
        }
        return items;
      },
      10,
      1,
    );
    await expect(batcher.submit(1)).rejects.toThrow('disk full');
    await expect(batcher.submit(2)).resolves.toBe(2);
  });
});
