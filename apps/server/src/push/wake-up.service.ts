import { Inject, Injectable, Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { Clock } from '../common/clock';
import { exponentialDelayMs } from '../common/exponential-delay';
import { PARLEY_CONFIG } from '../config/config.module';
import type { ParleyConfig } from '../config/config';
import { MetricsService } from '../metrics/metrics.service';
import { PushProvider, StoredSubscription, WakeUpUrgency } from './push-provider';
import { PushRepository } from './push.repository';
import { WakeUpCoalescer } from './wake-up-coalescer';

/** A device an envelope was just queued for. */
export interface QueuedFor {
  accountId: string;
  deviceId: number;
}

/** Attempts per wake-up (the first and four retries), and the backoff between them. */
const MAX_ATTEMPTS = 5;
const RETRY_BASE_MS = 1_000;
const RETRY_MAX_MS = 60_000;

/**
 * Wakes devices that are not connected when envelopes are queued for
 * them (docs/API.md section 9). Runs after the envelopes' commit and off
 * the request path: `wake` returns at once and the sender's 200 never
 * waits for a push service.
 *
 * The rule for "not connected": the envelope's signal reached no process
 * (MessagesService passes only those devices). A process subscribes to a
 * device's signals before it admits the device's socket and unsubscribes
 * after the socket closed, and a crashed process's subscriptions end with
 * its Redis connection, so no subscriber means no socket anywhere. A
 * device that polls over HTTP only is not connected, and is woken.
 *
 * Retries with backoff happen in this process's memory: a process that
 * stops drops the retries it had pending, and the next envelope for the
 * device after the coalescing interval tries again.
 */
@Injectable()
export class WakeUpService {
  private readonly logger = new Logger(WakeUpService.name);

  constructor(
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
    private readonly repository: PushRepository,
    private readonly provider: PushProvider,
    private readonly coalescer: WakeUpCoalescer,
    private readonly metrics: MetricsService,
    private readonly clock: Clock,
  ) {}

  /** Called once envelopes are committed; `urgent: false` sends ask the push service for low urgency. */
  wake(devices: QueuedFor[], urgent: boolean): void {
    const queuedAt = this.clock.now();
    const urgency: WakeUpUrgency = urgent ? 'high' : 'low';
    setImmediate(() => {
      for (const device of devices) {
        this.wakeDevice(device, urgency, queuedAt).catch((error: unknown) => this.logger.warn({ err: error }, 'wake-up failed'));
      }
    });
  }

  /**
   * The device fetched its queue (it connected, or read it over HTTP): the
   * next envelope may wake it again at once. Best effort: when shared
   * state cannot be reached the claim simply runs out with its interval.
   */
  async fetched(accountId: string, deviceId: number): Promise<void> {
    await this.coalescer.release(accountId, deviceId).catch(() => undefined);
  }

  private async wakeDevice({ accountId, deviceId }: QueuedFor, urgency: WakeUpUrgency, queuedAt: number) {
    // Claimed before the subscription is read: a device without one then costs one query per interval, not one per envelope.
    if (!(await this.coalescer.claim(accountId, deviceId, this.config.push.wakeUpIntervalMs))) return;
    const subscription = await this.repository.findLive(accountId, deviceId);
    if (subscription) await this.deliver(subscription, urgency, queuedAt);
  }

  private async deliver(subscription: StoredSubscription, urgency: WakeUpUrgency, queuedAt: number) {
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.provider.wake(subscription, urgency);
      const at = new Date(this.clock.now());
      if (outcome.kind === 'delivered') {
        this.metrics.pushWakeUps.inc({ outcome: 'sent' });
        this.metrics.pushWakeUpSeconds.observe((at.getTime() - queuedAt) / 1000);
        await this.repository.recordSuccess(subscription, at);
        return;
      }
      if (outcome.kind === 'gone') {
        this.metrics.pushWakeUps.inc({ outcome: 'dropped' });
        await this.repository.markDropped(subscription, outcome.status, at);
        return;
      }
      if (outcome.kind === 'failed' || attempt === MAX_ATTEMPTS) {
        this.metrics.pushWakeUps.inc({ outcome: 'failed' });
        await this.repository.recordFailure(subscription, outcome.status, at);
        return;
      }
      await sleep(outcome.retryAfterMs ?? exponentialDelayMs(attempt, RETRY_BASE_MS, RETRY_MAX_MS), undefined, { ref: false });
    }
  }
}
