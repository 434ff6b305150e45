import { Injectable } from '@nestjs/common';
import { DatabaseService, Tx } from '../database/database.service';

export interface AttachmentRow {
  id: string;
  accountId: string;
  size: number;
  expiresAt: Date;
}

/** What an account's live attachments take up, and when the first of them expires (null: none). */
export interface AttachmentUsage {
  bytes: number;
  nextExpiry: Date | null;
}

/** SQL of attachment metadata; the bytes live in the BlobDirectory. */
@Injectable()
export class AttachmentsRepository {
  constructor(private readonly db: DatabaseService) {}

  /**
   * Locks the account row for the rest of `tx`: concurrent uploads of one
   * account then check and take their quota one after the other, so
   * together they cannot exceed it.
   */
  async lockAccount(accountId: string, tx: Tx): Promise<void> {
    await this.db.execute('SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE', [accountId], tx);
  }

  async usage(accountId: string, now: Date, tx?: Tx): Promise<AttachmentUsage> {
    const row = await this.db.one<{ bytes: string; next_expiry: Date | null }>(
      'SELECT COALESCE(SUM(size), 0) AS bytes, MIN(expires_at) AS next_expiry FROM attachments WHERE account_id = $1 AND expires_at > $2',
      [accountId, now],
      tx,
    );
    return { bytes: Number(row?.bytes ?? 0), nextExpiry: row?.next_expiry ? new Date(row.next_expiry) : null };
  }

  async insert(row: AttachmentRow, tx: Tx): Promise<void> {
    await this.db.execute(
      'INSERT INTO attachments (id, account_id, size, expires_at) VALUES ($1, $2, $3, $4)',
      [row.id, row.accountId, row.size, row.expiresAt],
      tx,
    );
  }

  /** The size of a live attachment; null when unknown or expired (expired blobs are never served, swept or not). */
  async findLiveSize(id: string, now: Date): Promise<number | null> {
    const row = await this.db.one<{ size: string }>('SELECT size FROM attachments WHERE id = $1 AND expires_at > $2', [id, now]);
    return row ? Number(row.size) : null;
  }

  /** Up to `limit` expired ids, oldest first; the sweep deletes their files before their rows, so a crash leaves no orphan file. */
  async findExpired(now: Date, limit: number): Promise<string[]> {
    const rows = await this.db.rows<{ id: string }>('SELECT id FROM attachments WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2', [
      now,
      limit,
    ]);
    return rows.map((r) => r.id);
  }

  deleteRows(ids: string[]): Promise<number> {
    return this.db.execute('DELETE FROM attachments WHERE id = ANY($1::text[])', [ids]);
  }
}
