import { Injectable } from '@nestjs/common';
import { DatabaseService, Tx } from '../database/database.service';

export interface SessionRow {
  id: string;
  account_id: string;
  username: string;
  device_id: number | null;
  refresh_hash: Buffer;
  /** Hash of the previous generation's secret: presenting it again is reuse. */
  spent_refresh_hash: Buffer | null;
  generation: number;
  expires_at: Date;
}

@Injectable()
export class SessionsRepository {
  constructor(private readonly db: DatabaseService) {}

  async insertSession(row: { id: string; accountId: string; deviceId: number | null; refreshHash: Buffer; expiresAt: Date }, tx?: Tx) {
    await this.db.execute(
      'INSERT INTO sessions (id, account_id, device_id, refresh_hash, expires_at) VALUES ($1, $2, $3, $4, $5)',
      [row.id, row.accountId, row.deviceId, row.refreshHash, row.expiresAt],
      tx,
    );
  }

  findSession(id: string): Promise<SessionRow | null> {
    return this.db.one<SessionRow>(
      `SELECT s.id, s.account_id, a.username, s.device_id, s.refresh_hash, s.spent_refresh_hash, s.generation, s.expires_at
         FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.id = $1`,
      [id],
    );
  }

  /**
   * Moves the session to its next refresh secret only if it is still at
   * `generation`: of two concurrent refreshes with the same token, one wins.
   */
  async rotateRefreshSecret(id: string, generation: number, refreshHash: Buffer, expiresAt: Date): Promise<boolean> {
    const updated = await this.db.execute(
      `UPDATE sessions SET spent_refresh_hash = refresh_hash, refresh_hash = $3, generation = generation + 1, expires_at = $4
        WHERE id = $1 AND generation = $2`,
      [id, generation, refreshHash, expiresAt],
    );
    return updated === 1;
  }

  async deleteSession(id: string): Promise<void> {
    await this.db.execute('DELETE FROM sessions WHERE id = $1', [id]);
  }

  /** Deletes every session of one device and returns their ids, for revoking their access tokens. */
  async deleteDeviceSessions(accountId: string, deviceId: number | null, tx?: Tx): Promise<string[]> {
    const rows = await this.db.rows<{ id: string }>(
      'DELETE FROM sessions WHERE account_id = $1 AND device_id IS NOT DISTINCT FROM $2 RETURNING id',
      [accountId, deviceId],
      tx,
    );
    return rows.map((r) => r.id);
  }
}
