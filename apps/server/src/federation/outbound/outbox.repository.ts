import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../../database/database.service';

export interface OutboxRow {
  seq: string;
  transaction_id: string;
  peer: string;
  destination: string;
  sender_account_id: string;
  sender_device_id: number;
  client_timestamp: string;
  payload: Record<string, unknown>;
  attempts: number;
  next_attempt_at: Date;
  expires_at: Date;
  last_error: string | null;
  created_at: Date;
}

export interface NewOutboxRow {
  transactionId: string;
  peer: string;
  destination: string;
  senderAccountId: string;
  senderDeviceId: number;
  clientTimestamp: number;
  payload: object;
  attempts: number;
  nextAttemptAt: Date;
  expiresAt: Date;
  lastError: string | null;
  createdAt: Date;
}

/** The durable queue of sends to peers that could not be reached (docs/FEDERATION.md, "Outbox"). */
@Injectable()
export class OutboxRepository {
  constructor(private readonly db: DatabaseService) {}

  /**
   * Writes one outbox row. The send is accepted (202) only after this
   * commits; a retried keyed send (same transaction id) is already there.
   */
  async insertOutbox(row: NewOutboxRow): Promise<void> {
    await this.db.execute(
      `INSERT INTO federation_outbox (transaction_id, peer, destination, sender_account_id, sender_device_id, client_timestamp,
                                      payload, attempts, next_attempt_at, expires_at, last_error, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (transaction_id) DO NOTHING`,
      [
        row.transactionId,
        row.peer,
        row.destination,
        row.senderAccountId,
        row.senderDeviceId,
        row.clientTimestamp,
        JSON.stringify(row.payload),
        row.attempts,
        row.nextAttemptAt,
        row.expiresAt,
        row.lastError,
        row.createdAt,
      ],
    );
  }

  /** Whether anything is queued for this peer: a new send then queues behind it, so it cannot overtake. */
  async hasQueued(peer: string): Promise<boolean> {
    return (await this.db.one('SELECT 1 FROM federation_outbox WHERE peer = $1 LIMIT 1', [peer])) !== null;
  }

  /**
   * Takes up to `limit` due rows and leases them until `leaseUntil`, in one
   * statement. `FOR UPDATE SKIP LOCKED` lets several processes share the
   * outbox without taking the same row; the lease (a later
   * next_attempt_at) keeps the row away from other workers while its
   * request is in flight, without holding a transaction open across the
   * network call. If this process dies mid-request the lease runs out and
   * another worker sends the row again; the receiver's inbox makes that
   * harmless. Only the oldest row of each destination is eligible, so a
   * destination's sends reach it in the order they were accepted.
   */
  async takeDueOutbox(now: Date, leaseUntil: Date, limit: number): Promise<OutboxRow[]> {
    return this.db.rows<OutboxRow>(
      `UPDATE federation_outbox SET next_attempt_at = $2, attempts = attempts + 1
       WHERE seq IN (
         SELECT o.seq FROM federation_outbox o
         WHERE o.next_attempt_at <= $1
           AND NOT EXISTS (SELECT 1 FROM federation_outbox older
                           WHERE older.peer = o.peer AND older.destination = o.destination AND older.seq < o.seq)
         ORDER BY o.seq
         LIMIT $3
         FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [now, leaseUntil, limit],
    );
  }

  async deleteOutbox(seq: string): Promise<void> {
    await this.db.execute('DELETE FROM federation_outbox WHERE seq = $1', [seq]);
  }

  async rescheduleOutbox(seq: string, nextAttemptAt: Date, error: string): Promise<void> {
    await this.db.execute('UPDATE federation_outbox SET next_attempt_at = $2, last_error = $3 WHERE seq = $1', [seq, nextAttemptAt, error]);
  }

  async listOutbox(limit = 100): Promise<OutboxRow[]> {
    return this.db.rows<OutboxRow>(
      `SELECT seq, transaction_id, peer, destination, sender_account_id, sender_device_id, client_timestamp, '{}'::jsonb AS payload,
              attempts, next_attempt_at, expires_at, last_error, created_at
       FROM federation_outbox ORDER BY seq LIMIT $1`,
      [limit],
    );
  }

  /** Makes a row due now (operator command); false when there is no such row. */
  async retryOutboxNow(seq: string, now: Date): Promise<boolean> {
    return (await this.db.execute('UPDATE federation_outbox SET next_attempt_at = $2 WHERE seq = $1', [seq, now])) > 0;
  }

  /** Per peer with queued sends: how many, and since when the oldest waits (for /metrics and `parley-admin peers`). */
  async outboxDepthByPeer(): Promise<{ peer: string; depth: number; oldest: Date }[]> {
    const rows = await this.db.rows<{ peer: string; depth: string; oldest: Date | string }>(
      'SELECT peer, count(*) AS depth, min(created_at) AS oldest FROM federation_outbox GROUP BY peer',
    );
    return rows.map((r) => ({ peer: r.peer, depth: Number(r.depth), oldest: new Date(r.oldest) }));
  }
}
