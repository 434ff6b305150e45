import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../../database/database.service';

/** How an inbound transaction stands: ours to store now, already stored, or being stored by another request. */
export type InboxClaim = 'claimed' | 'done' | 'busy';

/** A pending inbox row older than this is taken to be abandoned (its request died mid-way) and may be taken over. */
const INBOX_TAKEOVER_SECONDS = 60;

/** Inbound transactions of peers, so a redelivered fan-out is stored at most once. */
@Injectable()
export class InboxRepository {
  constructor(private readonly db: DatabaseService) {}

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
       RETURNING 1`,
      [origin, transactionId],
    );
    if (claimed.length) return 'claimed';
    const row = await this.db.one<{ state: string }>('SELECT state FROM federation_inbox WHERE origin = $1 AND transaction_id = $2', [
      origin,
      transactionId,
    ]);
    return row?.state === 'done' ? 'done' : 'busy';
  }

  async finishInbox(origin: string, transactionId: string): Promise<void> {
    await this.db.execute(`UPDATE federation_inbox SET state = 'done', updated_at = now() WHERE origin = $1 AND transaction_id = $2`, [
      origin,
      transactionId,
    ]);
  }

  /** Drops a claim whose fan-out was refused or failed, so that nothing stands in the way of a later retry. */
  async releaseInbox(origin: string, transactionId: string): Promise<void> {
    await this.db.execute(`DELETE FROM federation_inbox WHERE origin = $1 AND transaction_id = $2 AND state = 'pending'`, [
      origin,
      transactionId,
    ]);
  }

  /** Forgets inbox rows older than `before`: no peer retries a transaction that old. */
  async pruneInbox(before: Date): Promise<number> {
    return this.db.execute('DELETE FROM federation_inbox WHERE updated_at < $1', [before]);
  }
}
