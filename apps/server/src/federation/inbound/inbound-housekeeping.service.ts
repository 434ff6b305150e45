import { Inject, Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { Clock } from '../../common/clock';
import { PARLEY_CONFIG } from '../../config/config.module';
import type { ParleyConfig } from '../../config/config';
import { InboxRepository } from './inbox.repository';
import { NonceStore } from './nonce-store';

const INTERVAL_MS = 60_000;

/**
 * Forgets inbox rows and nonces nobody can use any more. Every process may
 * run it; the deletes are idempotent.
 */
@Injectable()
export class InboundHousekeeping {
  private readonly logger = new Logger(InboundHousekeeping.name);

  constructor(
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
    private readonly inbox: InboxRepository,
    private readonly nonces: NonceStore,
    private readonly clock: Clock,
  ) {}

  @Interval(INTERVAL_MS)
  async prune(): Promise<void> {
    const now = this.clock.now();
    // A peer retries a transaction for its own retry window; twice ours (at least a day) is a safe margin.
    const inboxRetentionMs = Math.max(2 * this.config.federationRetryWindowSeconds * 1000, 86_400_000);
    try {
      await this.inbox.pruneInbox(new Date(now - inboxRetentionMs));
      await this.nonces.prune(now);
    } catch (error) {
      this.logger.warn({ err: error }, 'inbox and nonce pruning failed');
    }
  }
}
