import { Inject, Injectable } from '@nestjs/common';
import { PARLEY_CONFIG } from '../config/config.module';
import type { ParleyConfig } from '../config/config';
import { Clock } from '../common/clock';
import { MessagesRepository } from './messages.repository';

/** How long a read queue length is trusted while it is well under the bound. */
export const TRUST_MS = 5_000;
/** Known lengths kept at most; the oldest are forgotten (and simply read again). */
export const MAX_TRACKED = 100_000;

/**
 * Decides whether a device's queue is full (MAX_QUEUED_PER_DEVICE) without
 * counting it on every send. Counting walks the index entries of
 * acknowledged envelopes that autovacuum has not reclaimed yet, which under
 * sustained load cost more than the send itself. A length is read when
 * unknown, older than TRUST_MS, or past half the bound, and grows locally
 * with every envelope stored in between (acks only shrink the real queue,
 * so the local figure errs on the full side). The bound is soft by at most
 * what other processes store for that device within TRUST_MS.
 */
@Injectable()
export class QueueBound {
  private readonly known = new Map<string, { length: number; readAt: number }>();

  constructor(
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
    private readonly messages: MessagesRepository,
    private readonly clock: Clock,
  ) {}

  /** The devices among `deviceIds` whose queues are full. */
  async findFullDevices(accountId: string, deviceIds: number[]): Promise<number[]> {
    const max = this.config.maxQueuedPerDevice;
    const now = this.clock.now();
    const toRead = deviceIds.filter((id) => {
      const entry = this.known.get(key(accountId, id));
      return !entry || now - entry.readAt > TRUST_MS || entry.length >= max / 2;
    });
    if (toRead.length > 0) {
      const lengths = await this.messages.countQueued(accountId, toRead);
      for (const id of toRead) this.remember(key(accountId, id), lengths.get(id) ?? 0, now);
    }
    return deviceIds.filter((id) => (this.known.get(key(accountId, id))?.length ?? 0) >= max);
  }

  /** Counts envelopes just stored for these devices. */
  noteStored(accountId: string, deviceIds: number[]) {
    for (const id of deviceIds) {
      const entry = this.known.get(key(accountId, id));
      if (entry) entry.length++;
    }
  }

  private remember(k: string, length: number, readAt: number) {
    this.known.delete(k); // re-inserted last: Map order is the eviction order
    this.known.set(k, { length, readAt });
    if (this.known.size > MAX_TRACKED) this.known.delete(this.known.keys().next().value!);
  }
}

const key = (accountId: string, deviceId: number) => `${accountId}.${deviceId}`;
