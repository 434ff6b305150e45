import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../database/database.service';

export interface PeerRow {
  domain: string;
  public_key: string | null;
  pinned_at: Date | null;
  last_success_at: Date | null;
  last_failure_at: Date | null;
  last_error: string | null;
}

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

/** How an inbound transaction stands: ours to store now, already stored, or being stored by another request. */
export type InboxClaim = 'claimed' | 'done' | 'busy';

/** A pending inbox row older than this is taken to be abandoned (its request died mid-way) and may be taken over. */
const INBOX_TAKEOVER_SECONDS = 60;

/** SQL of federation: server identity, peer keys, outbox, inbox and nonces. */
@Injectable()
export class FederationRepository {
  constructor(private readonly db: DatabaseService) {}

  // ---- server identity -------------------------------------------------

  /**
   * The stored server key, storing `candidate` first if there is none.
   * Processes starting at once all end up with the first key committed.
   */
  async findOrStoreServerKey(candidate: string): Promise<string> {
    await this.db.execute('INSERT INTO federation_identity (private_key) VALUES ($1) ON CONFLICT (id) DO NOTHING', [candidate]);
    const row = await this.db.one<{ private_key: string }>('SELECT private_key FROM federation_identity');
    return row!.private_key;
  }

  // ---- peers -------------------------------------------------------------

  async findPeer(domain: string): Promise<PeerRow | null> {
    return this.db.one<PeerRow>('SELECT * FROM federation_peers WHERE domain = $1', [domain]);
  }

  async listPeers(): Promise<PeerRow[]> {
    return this.db.rows<PeerRow>('SELECT * FROM federation_peers ORDER BY domain');
  }

  /**
   * Pins a peer's key unless one is pinned already (trust on first use);
   * returns the key that is pinned afterwards, which the caller compares
   * with what it fetched.
   */
  async pinPeerKey(domain: string, publicKey: string): Promise<string> {
    await this.db.execute(
      `INSERT INTO federation_peers (domain, public_key, pinned_at) VALUES ($1, $2, now())
       ON CONFLICT (domain) DO UPDATE SET public_key = EXCLUDED.public_key, pinned_at = now()
       WHERE federation_peers.public_key IS NULL`, [domain, publicKey]);
    return (await this.findPeer(domain))!.public_key!;
  }

  /** Forgets a pinned key (operator command after a legitimate key change). */
  async unpinPeerKey(domain: string): Promise<boolean> {
    return (await this.db.execute('UPDATE federation_peers SET public_key = NULL, pinned_at = NULL WHERE domain = $1 AND public_key IS NOT NULL', [domain])) > 0;
  }

  async recordPeerSuccess(domain: string, at: Date): Promise<void> {
    await this.db.execute(
      `INSERT INTO federation_peers (domain, last_success_at) VALUES ($1, $2)
       ON CONFLICT (domain) DO UPDATE SET last_success_at = EXCLUDED.last_success_at`, [domain, at]);
  }

  async recordPeerFailure(domain: string, at: Date, error: string): Promise<void> {
    await this.db.execute(
      `INSERT INTO federation_peers (domain, last_failure_at, last_error) VALUES ($1, $2, $3)
       ON CONFLICT (domain) DO UPDATE SET last_failure_at = EXCLUDED.last_failure_at, last_error = EXCLUDED.last_error`,
      [domain, at, error]);
  }

  // ---- outbox ------------------------------------------------------------

  /** Writes one outbox row. The send is accepted (202) only after this commits. */
  async insertOutbox(row: NewOutboxRow): Promise<void> {
    await this.db.execute(
      `INSERT INTO federation_outbox (transaction_id, peer, destination, sender_account_id, sender_device_id, client_timestamp,
                                      payload, attempts, next_attempt_at, expires_at, last_error, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [row.transactionId, row.peer, row.destination, row.senderAccountId, row.senderDeviceId, row.clientTimestamp,
        JSON.stringify(row.payload), row.attempts, row.nextAttemptAt, row.expiresAt, row.lastError, row.createdAt]);
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
       RETURNING *`, [now, leaseUntil, limit]);
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
       FROM federation_outbox ORDER BY seq LIMIT $1`, [limit]);
  }

  /** Makes a row due now (operator command); false when there is no such row. */
  async retryOutboxNow(seq: string, now: Date): Promise<boolean> {
    return (await this.db.execute('UPDATE federation_outbox SET next_attempt_at = $2 WHERE seq = $1', [seq, now])) > 0;
  }

  async outboxDepthByPeer(): Promise<{ peer: string; depth: number }[]> {
    const rows = await this.db.rows<{ peer: string; depth: string }>('SELECT peer, count(*) AS depth FROM federation_outbox GROUP BY peer');
    return rows.map((r) => ({ peer: r.peer, depth: Number(r.depth) }));
  }

  // ---- inbox -------------------------------------------------------------

  /**
   * Claims an inbound transaction before its envelopes are stored: a new
   * (origin, transactionId) is inserted as pending and is ours. An
   * existing one is `done` (already stored: answer success, store
   * nothing) or `busy` (another request is storing it: the peer retries
   * later). A pending row older than INBOX_TAKEOVER_SECONDS belonged to a
   * request that died and is taken over.
   */
  async claimInbox(origin: string, transactionId: string): Promise<InboxClaim> {
    const claimed = await this.db.rows(
      `INSERT INTO federation_inbox (origin, transaction_id, state, updated_at) VALUES ($1, $2, 'pending', now())
       ON CONFLICT (origin, transaction_id) DO UPDATE SET updated_at = now()
       WHERE federation_inbox.state = 'pending' AND federation_inbox.updated_at < now() - make_interval(secs => ${INBOX_TAKEOVER_SECONDS})
       RETURNING 1`, [origin, transactionId]);
    if (claimed.length) return 'claimed';
    const row = await this.db.one<{ state: string }>('SELECT state FROM federation_inbox WHERE origin = $1 AND transaction_id = $2', [origin, transactionId]);
    return row?.state === 'done' ? 'done' : 'busy';
  }

  async finishInbox(origin: string, transactionId: string): Promise<void> {
    await this.db.execute(`UPDATE federation_inbox SET state = 'done', updated_at = now() WHERE origin = $1 AND transaction_id = $2`, [origin, transactionId]);
  }

  /** Drops a claim whose fan-out was refused or failed, so that nothing stands in the way of a later retry. */
  async releaseInbox(origin: string, transactionId: string): Promise<void> {
    await this.db.execute(`DELETE FROM federation_inbox WHERE origin = $1 AND transaction_id = $2 AND state = 'pending'`, [origin, transactionId]);
  }

  /** Forgets inbox rows older than `before`: no peer retries a transaction that old. */
  async pruneInbox(before: Date): Promise<number> {
    return this.db.execute('DELETE FROM federation_inbox WHERE updated_at < $1', [before]);
  }

  // ---- nonces ------------------------------------------------------------

  /** Records a nonce; false when it was seen already (a replay). */
  async rememberNonce(origin: string, nonce: string, expiresAt: Date): Promise<boolean> {
    const rows = await this.db.rows(
      'INSERT INTO federation_nonces (origin, nonce, expires_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1',
      [origin, nonce, expiresAt]);
    return rows.length === 1;
  }

  async pruneNonces(now: Date): Promise<number> {
    return this.db.execute('DELETE FROM federation_nonces WHERE expires_at < $1', [now]);
  }
}
