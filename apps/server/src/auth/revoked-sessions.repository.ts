import { DatabaseService, Tx } from '../database/database.service';

/** The durable copy of the revocation list (migration RevokedSessions). */
export class RevokedSessionsRepository {
  constructor(private readonly db: DatabaseService) {}

  /** Within `tx` when given, so a revocation commits with the change that caused it (a device removal, say). */
  async insertRevoked(sessionIds: string[], expiresAt: Date, tx?: Tx): Promise<void> {
    await this.db.execute(
      `INSERT INTO revoked_sessions (session_id, expires_at) SELECT unnest($1::uuid[]), $2
       ON CONFLICT (session_id) DO UPDATE SET expires_at = GREATEST(revoked_sessions.expires_at, EXCLUDED.expires_at)`,
      [sessionIds, expiresAt],
      tx,
    );
  }

  /** Revocations that still matter, after deleting those whose tokens have all expired. */
  async findUnexpired(): Promise<{ sessionId: string; expiresAt: Date }[]> {
    await this.db.execute('DELETE FROM revoked_sessions WHERE expires_at <= now()');
    return this.db.rows('SELECT session_id AS "sessionId", expires_at AS "expiresAt" FROM revoked_sessions');
  }
}
