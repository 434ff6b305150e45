import { Injectable } from '@nestjs/common';
import type { AuditDetail, AuditEntry, AuditKind, AuditLogResponse } from '@parley/protocol';
import { Clock } from '../common/clock';
import type { Tx } from '../database/database.service';
import { DeliveryBus } from '../delivery/delivery-bus';
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
  ) {}

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
