import type { Clock } from './clock';

/** Below this size a map is not swept: too small to matter. */
const MIN_SWEEP_SIZE = 1024;

/**
 * A Map whose entries expire, for state that single-process mode keeps in
 * memory where a deployment with Redis keeps keys with a TTL. It holds at
 * most `maxEntries`, forgetting the least recently written first, so that
 * no flood of requests can grow it without bound. Expired entries are
 * swept out whenever the map has doubled since the last sweep, which keeps
 * the cost per write constant.
 */
export class ExpiringMap<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();
  private sweepAt = MIN_SWEEP_SIZE;

  constructor(
    private readonly clock: Clock,
    private readonly maxEntries: number,
  ) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt > this.clock.now()) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, value: V, expiresAt: number): void {
    // Deleted first, so that iteration order is the order of last writes.
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt });
    if (this.entries.size > this.sweepAt) this.sweep();
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
    this.sweepAt = Math.max(MIN_SWEEP_SIZE, 2 * this.entries.size);
  }
}
