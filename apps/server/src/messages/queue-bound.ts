import { Inject, Injectable } from '@nestjs/common';
import { PARLEY_CONFIG } from '../config/config.module';
import type { ParleyConfig } from '../config/config';
import { Clock } from '../common/clock';
import { MessagesRepository } from './messages.repository';
import { TrustedCounts } from './trusted-counts';

/** A device that takes no more envelopes from a sender now, and which bound says so. */
export interface QueueRefusal {
  deviceId: number;
  /** `queue`: the queue holds MAX_QUEUED_PER_DEVICE; `share`: the sender's own envelopes in it reach MAX_QUEUED_PER_SENDER. */
  bound: 'queue' | 'share';
}

/**
 * Decides whether a device's queue takes more envelopes from a sender
 * without counting it on every send. Counting walks the index entries of
 * acknowledged envelopes that autovacuum has not reclaimed yet, which under
 * sustained load cost more than the send itself; so counts are read only
 * when near their bound or no longer trusted (TrustedCounts).
 *
 * Two bounds: the whole queue (MAX_QUEUED_PER_DEVICE), and each sender's
 * share of it (MAX_QUEUED_PER_SENDER), so that one sender flooding a device
 * fills only its own share and every other sender still gets through. A
 * sender holds no more of a queue than the queue holds, so a sender's
 * envelopes are counted only in queues at least a share long: an ordinary
 * send costs no query for the share.
 */
@Injectable()
export class QueueBound {
  private readonly lengths = new TrustedCounts();
  private readonly shares = new TrustedCounts();

  constructor(
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
    private readonly messages: MessagesRepository,
    private readonly clock: Clock,
  ) {}

  /**
   * The first device among `deviceIds` of account `accountId` that refuses
   * an envelope from `sender` (its address as envelopes name it), if any.
   * `sender` null: no share applies (sync copies to the sender's own devices).
   */
  async findRefusal(accountId: string, deviceIds: number[], sender: string | null): Promise<QueueRefusal | undefined> {
    const { maxQueuedPerDevice: max, maxQueuedPerSender: share } = this.config;
    const now = this.clock.now();
    const lengths = await this.lengths.counts(accountId, deviceIds, max, now, (ids) => this.messages.countQueued(accountId, ids));
    const full = deviceIds.find((id) => lengths.get(id)! >= max);
    if (full !== undefined) return { deviceId: full, bound: 'queue' };
    const long = deviceIds.filter((id) => lengths.get(id)! >= share);
    if (sender === null || long.length === 0) return undefined;
    const held = await this.shares.counts(shareScope(accountId, sender), long, share, now, (ids) =>
      this.messages.countQueued(accountId, ids, sender),
    );
    const over = long.find((id) => held.get(id)! >= share);
    return over === undefined ? undefined : { deviceId: over, bound: 'share' };
  }

  /** Counts envelopes just stored for these devices, from `sender` (null as in findRefusal). */
  noteStored(accountId: string, deviceIds: number[], sender: string | null) {
    this.lengths.noteStored(accountId, deviceIds);
    if (sender !== null) this.shares.noteStored(shareScope(accountId, sender), deviceIds);
  }
}

const shareScope = (accountId: string, sender: string) => `${accountId}/${sender}`;
