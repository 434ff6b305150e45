import { randomUUID } from 'node:crypto';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { DeliveryFailed } from '@parley/protocol';
import { ErrorCode } from '@parley/protocol';
import { PARLEY_CONFIG } from '../../config/config.module';
import type { ParleyConfig } from '../../config/config';
import { DeliveryBus } from '../../delivery/delivery-bus';
import { MetricsService } from '../../metrics/metrics.service';
import { nextAttemptAt } from './backoff';
import { Clock } from '../../common/clock';
import { describeAnswer, FederationClient } from './federation.client';
import { OutboxRepository, OutboxRow } from './outbox.repository';
import { FINAL_STATUSES, isSuccess, MESSAGES_PATH } from './peer-answers';
import { PeerDirectory } from './peer-directory.service';

const BATCH = 20;
const HOUSEKEEPING_MS = 5_000;

/**
 * Retries queued sends to peers, in every server process: rows are taken
 * with FOR UPDATE SKIP LOCKED and leased (OutboxRepository.takeDueOutbox),
 * so processes share the outbox without sending a row twice at once. A
 * row leaves the outbox when the peer accepts it, when the peer gives a
 * final refusal (the sending device gets a `delivery:failed` notice with
 * the peer's reason), or when FEDERATION_RETRY_WINDOW_SECONDS have passed
 * (`delivery:failed` with peer_unavailable). Until then it stays, across
 * restarts of either server; a notice replaces it in the same transaction
 * and stays until the device acknowledges it.
 */
@Injectable()
export class OutboxWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OutboxWorker.name);
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<void> | null = null;
  private stopped = false;
  private lastHousekeeping = 0;

  constructor(
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
    private readonly repository: OutboxRepository,
    private readonly client: FederationClient,
    private readonly bus: DeliveryBus,
    private readonly peers: PeerDirectory,
    private readonly clock: Clock,
    private readonly metrics: MetricsService,
  ) {}

  onApplicationBootstrap() {
    this.schedule(0);
  }

  async beforeApplicationShutdown() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.current;
  }

  private schedule(delayMs: number) {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.current = this.tick().finally(() => {
        this.current = null;
        this.schedule(this.config.federationOutboxPollMs);
      });
    }, delayMs);
  }

  private async tick() {
    try {
      while (!this.stopped && (await this.runOnce()) === BATCH) {
        /* more are due: keep going */
      }
      if (this.clock.now() - this.lastHousekeeping >= HOUSEKEEPING_MS) await this.housekeeping();
    } catch (error) {
      this.logger.warn({ err: error }, 'outbox pass failed');
    }
  }

  /** One pass: takes up to BATCH due rows and attempts each once. Returns how many it took. */
  async runOnce(): Promise<number> {
    const now = this.clock.now();
    // The lease outlasts the request timeout, so a live attempt is never overtaken by another process.
    const leaseUntil = new Date(now + this.config.federationRequestTimeoutMs + 30_000);
    const rows = await this.repository.takeDueOutbox(new Date(now), leaseUntil, BATCH);
    await Promise.all(
      rows.map((row) =>
        this.attempt(row).catch((error: unknown) => this.logger.warn({ err: error, seq: row.seq }, 'outbox attempt failed')),
      ),
    );
    return rows.length;
  }

  private async attempt(row: OutboxRow) {
    const answer = await this.client.post(row.peer, MESSAGES_PATH, row.payload);
    if (isSuccess(answer)) {
      await this.repository.deleteOutbox(row.seq);
      this.metrics.federationSends.inc({ peer: row.peer, outcome: 'retried' });
      return;
    }
    if (answer.reached && FINAL_STATUSES.has(answer.status)) {
      const { error, missingDevices, extraDevices, staleDevices } = answer.body as Record<string, number[] | string | undefined>;
      await this.giveUp(row, {
        error: typeof error === 'string' ? error : `http_${answer.status}`,
        ...(Array.isArray(missingDevices) && { missingDevices }),
        ...(Array.isArray(extraDevices) && { extraDevices }),
        ...(Array.isArray(staleDevices) && { staleDevices }),
      });
      this.metrics.federationSends.inc({ peer: row.peer, outcome: 'refused' });
      this.logger.log(`peer ${row.peer} refused queued transaction ${row.transaction_id}: ${describeAnswer(answer)}`);
      return;
    }
    const now = this.clock.now();
    const next = nextAttemptAt(
      now,
      row.expires_at.getTime(),
      row.attempts,
      this.config.federationRetryBaseMs,
      this.config.federationRetryMaxMs,
    );
    if (next === null) {
      await this.giveUp(row, { error: ErrorCode.PeerUnavailable });
      this.metrics.federationSends.inc({ peer: row.peer, outcome: 'expired' });
      this.metrics.federationFailures.inc({ peer: row.peer, reason: 'expired' });
      this.logger.warn(
        `gave up transaction ${row.transaction_id} to ${row.peer} after ${row.attempts} attempts: ${describeAnswer(answer)}`,
      );
      return;
    }
    await this.repository.rescheduleOutbox(row.seq, new Date(next), describeAnswer(answer));
  }

  /**
   * Removes the row and queues its `delivery:failed` notice for the sending
   * device in one transaction, then tells the device's socket wherever it
   * is connected. The notice stays queued until the device acknowledges it,
   * so a device that is offline now, or misses the live signal, gets it on
   * its next connection or poll (GET /v1/delivery-failures).
   */
  private async giveUp(row: OutboxRow, reason: Pick<DeliveryFailed, 'error' | 'missingDevices' | 'extraDevices' | 'staleDevices'>) {
    const failure: DeliveryFailed = {
      id: randomUUID(),
      destination: `${row.destination}@${row.peer}`,
      timestamp: Number(row.client_timestamp),
      ...reason,
    };
    const expiresAt = new Date(this.clock.now() + this.config.messageTtlSeconds * 1000);
    if (!(await this.repository.giveUpOutbox(row.seq, failure, expiresAt))) return;
    await this.bus.publish(row.sender_account_id, row.sender_device_id, { kind: 'deliveryFailed', failure });
  }

  /** Outbox depth and oldest queued age for /metrics. */
  private async housekeeping() {
    const now = this.clock.now();
    this.lastHousekeeping = now;
    const queues = new Map(this.peers.list().map((p) => [p.domain, { depth: 0, ageSeconds: 0 }]));
    for (const { peer, depth, oldest } of await this.repository.outboxDepthByPeer()) {
      queues.set(peer, { depth, ageSeconds: Math.max(0, Math.floor((now - oldest.getTime()) / 1000)) });
    }
    for (const [peer, { depth, ageSeconds }] of queues) {
      this.metrics.federationOutboxDepth.set({ peer }, depth);
      this.metrics.federationOutboxOldestAge.set({ peer }, ageSeconds);
    }
  }
}
