import { Injectable } from '@nestjs/common';
import type { MessageListResponse } from '@parley/protocol';
import type { QueuedEnvelope } from '../delivery/device-signal';
import { DevicesService } from '../devices/devices.service';
import { KeysService } from '../keys/keys.service';
import { MetricsService } from '../metrics/metrics.service';
import { WakeUpService } from '../push/wake-up.service';
import { toQueuedEnvelope } from './envelope';
import { EnvelopeStore } from './envelope-store';
import { MessagesRepository } from './messages.repository';

/** A device, as far as its queue is concerned. */
export interface QueueOwner {
  accountId: string;
  deviceId: number;
}

/** What one socket connection needs from its device's queue (see DeviceConnection). */
export interface QueueAccess {
  pageQueue(afterSeq: number, limit: number): Promise<QueuedEnvelope[]>;
  acknowledge(id: string): Promise<void>;
}

const HTTP_PAGE = 100;

/**
 * A device's own queue: the one read path and the one ack path, for HTTP
 * (GET and DELETE /v1/messages) and sockets alike, and what happens when
 * a device connects.
 */
@Injectable()
export class DeviceQueueService {
  constructor(
    private readonly messages: MessagesRepository,
    private readonly store: EnvelopeStore,
    private readonly devices: DevicesService,
    private readonly keys: KeysService,
    private readonly metrics: MetricsService,
    private readonly wakeUps: WakeUpService,
  ) {}

  /** Oldest first, after queue position `afterSeq`; expired envelopes are skipped. */
  async pageQueue(owner: QueueOwner, afterSeq: number, limit: number): Promise<QueuedEnvelope[]> {
    const records = await this.messages.pageQueue(owner.accountId, owner.deviceId, afterSeq, limit);
    return records.map((r) => toQueuedEnvelope(r));
  }

  /** GET /v1/messages: the oldest queued envelopes, without removing them. */
  async listQueue(owner: QueueOwner): Promise<MessageListResponse> {
    const [page] = await Promise.all([this.pageQueue(owner, 0, HTTP_PAGE + 1), this.wakeUps.fetched(owner.accountId, owner.deviceId)]);
    return { messages: page.slice(0, HTTP_PAGE).map((q) => q.envelope), more: page.length > HTTP_PAGE };
  }

  /** Deletes an envelope of this device once it is acknowledged; idempotent; another device's ids delete nothing. */
  async acknowledge(owner: QueueOwner, id: string): Promise<void> {
    await this.store.deleteAcknowledged({ accountId: owner.accountId, deviceId: owner.deviceId, id });
    this.metrics.envelopesDelivered.inc();
  }

  /** The queue as one connection of the device sees it. */
  accessFor(owner: QueueOwner): QueueAccess {
    return {
      pageQueue: (afterSeq, limit) => this.pageQueue(owner, afterSeq, limit),
      acknowledge: (id) => this.acknowledge(owner, id),
    };
  }

  /**
   * A device's socket connected: it is recorded as seen, told at once if
   * its one-time keys run low, and it drains its queue, so the next
   * envelope while it is away again may wake it at once.
   */
  async deviceConnected(owner: QueueOwner): Promise<void> {
    await Promise.all([
      this.devices.recordSeen(owner.accountId, owner.deviceId).catch(() => undefined),
      this.wakeUps.fetched(owner.accountId, owner.deviceId),
      this.keys.signalIfLow(owner.accountId, owner.deviceId),
    ]);
  }
}
