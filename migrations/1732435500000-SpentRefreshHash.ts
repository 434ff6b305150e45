import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Remembers the hash of each session's last spent refresh secret, so that
 * reuse of a spent token (theft) can be told from a forged one: only
 * proven reuse revokes the device's sessions.
 */
export class SpentRefreshHash1732435500000 implements MigrationInterface {
  name = 'SpentRefreshHash1732435500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE sessions ADD COLUMN spent_refresh_hash bytea');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE sessions DROP COLUMN spent_refresh_hash');
  }
}
