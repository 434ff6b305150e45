import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Encrypted backups (docs/API.md section 9). A row is the ciphertext and
 * its version under an id derived from the user's recovery key, and
 * nothing else: no account, no timestamp, so a copy of the database does
 * not say whose a backup is or when it was written.
 */
export class Backups1734400000000 implements MigrationInterface {
  name = 'Backups1734400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE backups (
        id text PRIMARY KEY,
        version integer NOT NULL CHECK (version >= 1),
        ciphertext bytea NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE backups');
  }
}
