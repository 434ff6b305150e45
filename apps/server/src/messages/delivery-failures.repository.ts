import { Injectable } from '@nestjs/common';
import type { DeliveryFailed } from '@parley/protocol';
import { DatabaseService } from '../database/database.service';

interface DeliveryFailureRow {
  id: string;
  destination: string;
  client_timestamp: string;
  error: string;
  device_lists: Pick<DeliveryFailed, 'missingDevices' | 'extraDevices' | 'staleDevices'>;
}

/**
 * The `delivery:failed` notices queued for each device, beside its
 * envelope queue. They are written by OutboxRepository.giveUpOutbox, in
 * the transaction that gives up the outbox row; here they are read,
 * acknowledged and expired.
 */
@Injectable()
export class DeliveryFailuresRepository {
  constructor(private readonly db: DatabaseService) {}

  /** A device's notices, oldest first; expired ones are skipped. */
  async listPending(accountId: string, deviceId: number, limit: number): Promise<DeliveryFailed[]> {
    const rows = await this.db.rows<DeliveryFailureRow>(
      `SELECT id, destination, client_timestamp, error, device_lists FROM delivery_failures
        WHERE account_id = $1 AND device_id = $2 AND expires_at > now()
        ORDER BY seq LIMIT $3`,
      [accountId, deviceId, limit],
    );
    return rows.map((r) => ({
      id: r.id,
      destination: r.destination,
      timestamp: Number(r.client_timestamp),
      error: r.error,
      ...r.device_lists,
    }));
  }

  /** Deletes one notice of this device; another device's id deletes nothing. */
  async deleteAcknowledged(accountId: string, deviceId: number, id: string): Promise<void> {
    await this.db.execute('DELETE FROM delivery_failures WHERE id = $1 AND account_id = $2 AND device_id = $3', [id, accountId, deviceId]);
  }

  /** Deletes up to `limit` notices past their expiry (MESSAGE_TTL_SECONDS after they were queued). */
  deleteExpired(limit: number): Promise<number> {
    return this.db.execute(
      'DELETE FROM delivery_failures WHERE seq IN (SELECT seq FROM delivery_failures WHERE expires_at <= now() LIMIT $1)',
      [limit],
    );
  }
}
