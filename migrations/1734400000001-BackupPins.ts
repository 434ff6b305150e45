import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Backup PINs (docs/API.md section 9, "PIN"): per account, an OPAQUE
 * registration record and the recovery key wrapped with the OPAQUE export
 * key, a count of guesses since the last right one, and the state of the
 * login in progress; and the server's OPAQUE setup (its OPRF seed and key
 * pair), generated once and shared by every process.
 */
export class BackupPins1734400000001 implements MigrationInterface {
  name = 'BackupPins1734400000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE backup_pins (
        account_id uuid PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
        registration_record text NOT NULL,
        wrapped_key bytea NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        login_state text
      )`);
    await q.query(`
      CREATE TABLE backup_pin_setup (
        id integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
        server_setup text NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE backup_pin_setup');
    await q.query('DROP TABLE backup_pins');
  }
}
