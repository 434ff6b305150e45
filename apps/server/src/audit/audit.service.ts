import { Injectable } from '@nestjs/common';
import type { AuditDetail, AuditEntry, AuditKind, AuditLogResponse, ReportKeyLogAlarmRequest } from '@parley/protocol';
import type { AuthenticatedDevice } from '../auth/authenticated-user';
import { Clock } from '../common/clock';
import type { Tx } from '../database/database.service';
import { DeliveryBus } from '../delivery/delivery-bus';
import { RateLimiterService } from '../limits/rate-limiter.service';
import { AuditRepository } from './audit.repository';

const PAGE = 100;

/**
 * Each account's log of its own security events, which its devices read
 * (GET /v1/account/audit) and hear about as they happen (socket `audit`).
 * Entries carry no secrets: ids, counts, list versions, coarse networks.
 */
@Injectable()
export class AuditService {
  constructor(
    private readonly repository: AuditRepository,
    private readonly bus: DeliveryBus,
    private readonly clock: Clock,
    private readonly limits: RateLimiterService,
  ) {}

  /**
   * A device's key log monitor found something against its account (a
   * leaf none of its devices signed, a fork): recorded so the account's
   * other devices see it. Throttled per device, since the account's own
   * devices are its only writers.
   */
  async reportKeyLogAlarm(device: AuthenticatedDevice, report: ReportKeyLogAlarmRequest): Promise<void> {
    await this.limits.enforce('keyLogAlarmReport', `${device.accountId}.${device.deviceId}`);
    await this.record(device.accountId, 'key_log_alarm', { deviceId: device.deviceId, reason: report.reason, message: report.message });
  }

  /** Records an event and tells the account's connected devices. */
  async record(accountId: string, kind: AuditKind, detail: AuditDetail): Promise<void> {
    await this.announce(accountId, await this.repository.append(accountId, kind, detail, this.clock.now()));
  }

  /**
   * Records an event inside the caller's transaction, so it commits or
   * rolls back with the change it describes; the caller announces the
   * entry once committed.
   */
  recordIn(tx: Tx, accountId: string, kind: AuditKind, detail: AuditDetail): Promise<AuditEntry> {
    return this.repository.append(accountId, kind, detail, this.clock.now(), tx);
  }

  async announce(accountId: string, entry: AuditEntry): Promise<void> {
    const devices = await this.repository.deviceIds(accountId);
    await Promise.all(devices.map((deviceId) => this.bus.publish(accountId, deviceId, { kind: 'audit', entry })));
  }

  /** GET /v1/account/audit: entries after `afterSeq`, oldest first, a page at a time. */
  async list(accountId: string, afterSeq: number): Promise<AuditLogResponse> {
    const entries = await this.repository.listAfter(accountId, afterSeq, PAGE + 1);
    return { entries: entries.slice(0, PAGE), more: entries.length > PAGE };
  }
}
