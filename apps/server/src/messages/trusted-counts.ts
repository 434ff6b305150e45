/** How long a read count is trusted while it is well under its bound. */
export const TRUST_MS = 5_000;
/** Counts kept at most; the least recently read are forgotten (and simply read again). */
export const MAX_TRACKED = 100_000;

/** Reads the current counts of some devices in one query; a device absent from the answer counts 0. */
export type CountReader = (deviceIds: number[]) => Promise<Map<number, number>>;

/**
 * Per-device counts of queued envelopes, read from the database only when
 * needed: a count is read when unknown, older than TRUST_MS, or at half its
 * bound or more, and grows locally with every envelope stored in between
 * (acks only shrink the real count, so the local figure errs on the high
 * side). A count is soft by at most what other processes store within
 * TRUST_MS. `scope` names what is counted in a device's queue: all of it,
 * or one sender's envelopes.
 */
export class TrustedCounts {
  private readonly known = new Map<string, { count: number; readAt: number }>();

  /** The count of each of `deviceIds` in `scope`, reading those not trusted now in one call of `read`. */
  async counts(scope: string, deviceIds: number[], bound: number, now: number, read: CountReader): Promise<Map<number, number>> {
    const toRead = deviceIds.filter((id) => {
      const entry = this.known.get(key(scope, id));
      return !entry || now - entry.readAt > TRUST_MS || entry.count >= bound / 2;
    });
    if (toRead.length > 0) {
      const counts = await read(toRead);
      for (const id of toRead) this.remember(key(scope, id), counts.get(id) ?? 0, now);
    }
    return new Map(deviceIds.map((id) => [id, this.known.get(key(scope, id))?.count ?? 0]));
  }

  /** Counts an envelope just stored for each of these devices, where a count is known. */
  noteStored(scope: string, deviceIds: number[]) {
    for (const id of deviceIds) {
      const entry = this.known.get(key(scope, id));
      if (entry) entry.count++;
    }
  }

  private remember(k: string, count: number, readAt: number) {
    this.known.delete(k); // re-inserted last: Map order is the eviction order
    this.known.set(k, { count, readAt });
    if (this.known.size > MAX_TRACKED) this.known.delete(this.known.keys().next().value!);
  }
}

const key = (scope: string, deviceId: number) => `${scope}#${deviceId}`;
