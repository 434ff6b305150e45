import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { DeliveryFailuresRepository } from './delivery-failures.repository';
import { MessagesRepository } from './messages.repository';

const SWEEP_INTERVAL_MS = 60_000;
const SWEEP_BATCH = 5_000;

/**
 * Deletes envelopes and `delivery:failed` notices past their expiry
 * (MESSAGE_TTL_SECONDS) and idempotency keys past their window. Reads already skip expired rows, so the sweep
 * only reclaims space; every process may run it, deletes are idempotent.
 */
@Injectable()
export class QueueExpiryService {
  private readonly logger = new Logger(QueueExpiryService.name);

  constructor(
    private readonly messages: MessagesRepository,
    private readonly deliveryFailures: DeliveryFailuresRepository,
  ) {}

  @Interval(SWEEP_INTERVAL_MS)
  async sweep(): Promise<number> {
    let total = 0;
    try {
      total = await deleteInBatches((limit) => this.messages.deleteExpired(limit));
      await deleteInBatches((limit) => this.messages.deleteExpiredClaims(limit));
      await deleteInBatches((limit) => this.deliveryFailures.deleteExpired(limit));
    } catch (error) {
      this.logger.warn({ err: error }, 'expiry sweep failed');
    }
    if (total > 0) this.logger.log(`deleted ${total} expired envelopes`);
    return total;
  }
}

/** Runs a bounded delete until it deletes less than a full batch; returns how many rows it deleted. */
async function deleteInBatches(deleteBatch: (limit: number) => Promise<number>): Promise<number> {
  let total = 0;
  for (let n = SWEEP_BATCH; n === SWEEP_BATCH; total += n) n = await deleteBatch(SWEEP_BATCH);
  return total;
}
