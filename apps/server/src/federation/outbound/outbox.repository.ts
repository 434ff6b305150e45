import { Injectable } from '@nestjs/common';
import type { DeliveryFailed } from '@parley/protocol';
import { DatabaseService } from '../../database/database.service';

/** A device keeps at most this many unacknowledged `delivery:failed` notices; older ones make room for newer. */
export const MAX_DELIVERY_FAILURES_PER_DEVICE = 1000;

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

  /**
   * Gives up outbox row `seq` and queues `failure` for its sending device,
   * in one transaction: the row is deleted and the notice inserted
   * together, or neither is. So a crash at any point leaves either the row
   * (tried again, and given up again later) or the notice, never both and
   * never neither: the device hears of each given-up send exactly once
   * (at least once on its side, since a notice stays until acknowledged).
   * Returns false, queuing nothing, when the row is already gone or its
   * sending device no longer exists (the row is deleted all the same). The device's oldest notices beyond
   * `keepPerDevice` are dropped in the same transaction.
   */
  async giveUpOutbox(
    seq: string,
    failure: DeliveryFailed,
    expiresAt: Date,
    keepPerDevice = MAX_DELIVERY_FAILURES_PER_DEVICE,
  ): Promise<boolean> {
    const { id, destination, timestamp, error, ...deviceLists } = failure;
    return this.db.transaction(async (tx) => {
      const [queued] = await this.db.rows<{ account_id: string; device_id: number }>(
        `WITH gone AS (DELETE FROM federation_outbox WHERE seq = $1 RETURNING sender_account_id, sender_device_id)
         INSERT INTO delivery_failures (id, account_id, device_id, destination, client_timestamp, error, device_lists, expires_at)
         SELECT $2, d.account_id, d.device_id, $3, $4, $5, $6, $7
         FROM gone JOIN devices d ON d.account_id = gone.sender_account_id AND d.device_id = gone.sender_device_id
         RETURNING account_id, device_id`,
        [seq, id, destination, timestamp, error, JSON.stringify(deviceLists), expiresAt],
        tx,
      );
      if (!queued) return false;
      await this.db.execute(
        `DELETE FROM delivery_failures WHERE account_id = $1 AND device_id = $2 AND seq <= (
           SELECT seq FROM delivery_failures WHERE account_id = $1 AND device_id = $2 ORDER BY seq DESC OFFSET $3 LIMIT 1)`,
        [queued.account_id, queued.device_id, keepPerDevice],
        tx,
      );
      return true;
    });
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
