import { Injectable } from '@nestjs/common';
import type { DeliveryFailed, DeliveryFailureListResponse } from '@parley/protocol';
import { MAX_DELIVERY_FAILURES_PER_DEVICE } from '../federation/outbound/outbox.repository';
import type { QueueOwner } from './device-queue.service';
import { DeliveryFailuresRepository } from './delivery-failures.repository';

const HTTP_PAGE = 100;

/**
 * A device's queued `delivery:failed` notices: the one read path and the
 * one ack path, for HTTP (GET and DELETE /v1/delivery-failures) and the
 * socket (the event's ack) alike.
 */
@Injectable()
export class DeliveryFailuresService {
  constructor(private readonly failures: DeliveryFailuresRepository) {}

  /** Everything the device has not acknowledged yet, oldest first: what a new connection is sent. */
  pending(owner: QueueOwner): Promise<DeliveryFailed[]> {
    return this.failures.listPending(owner.accountId, owner.deviceId, MAX_DELIVERY_FAILURES_PER_DEVICE);
  }

  /** GET /v1/delivery-failures: the oldest notices, without removing them. */
  async list(owner: QueueOwner): Promise<DeliveryFailureListResponse> {
    const page = await this.failures.listPending(owner.accountId, owner.deviceId, HTTP_PAGE + 1);
    return { failures: page.slice(0, HTTP_PAGE), more: page.length > HTTP_PAGE };
  }

  /** Deletes a notice once the device acknowledged it; idempotent; another device's ids delete nothing. */
  acknowledge(owner: QueueOwner, id: string): Promise<void> {
    return this.failures.deleteAcknowledged(owner.accountId, owner.deviceId, id);
  }
}
