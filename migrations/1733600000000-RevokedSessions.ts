import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Revoked sessions whose access tokens may still be unexpired: the durable
 * copy of the revocation list, so a restart (or a Redis that lost its data)
 * does not bring a logged-out or removed device's tokens back.
 */
export class RevokedSessions1733600000000 implements MigrationInterface {
  name = 'RevokedSessions1733600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE revoked_sessions (
        session_id uuid PRIMARY KEY,
        expires_at timestamptz NOT NULL
      )`);
    await q.query('CREATE INDEX revoked_sessions_expires_at ON revoked_sessions (expires_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE revoked_sessions');
  }
}
