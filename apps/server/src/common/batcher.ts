/**
 * Group commit: items submitted while a flush is running are written
 * together by the next flush, and every submitter is answered after the
 * flush that carried its item. At low load a flush carries one item and
 * waits for nothing; under load each commit carries many, which is what
 * lets a disk-bound database store many envelopes per fsync
 * (shared/PERFORMANCE.md: ~5,500/s one commit each, ~33,000/s batched).
 */
export class Batcher<T, R = void> {
  private pending: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  private running = 0;

  /**
   * @param flush writes a batch; returns one result per item, in order.
   * @param maxBatch items per flush at most.
   * @param maxConcurrent flushes in flight at once (connections they may use).
   */
  constructor(
    private readonly flush: (items: T[]) => Promise<R[]>,
    private readonly maxBatch: number,
    private readonly maxConcurrent: number,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.pump();
    });
  }

  private pump() {
    while (this.running < this.maxConcurrent && this.pending.length > 0) {
      const batch = this.pending.splice(0, this.maxBatch);
      this.running++;
      this.flush(batch.map((b) => b.item))
        .then(
          (results) => batch.forEach((b, i) => b.resolve(results[i])),
          (error) => batch.forEach((b) => b.reject(error)),
        )
        .finally(() => {
          this.running--;
          this.pump();
        });
    }
  }
}
