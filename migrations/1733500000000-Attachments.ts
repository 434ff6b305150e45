import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Metadata of encrypted attachments (docs/API.md section 7); the bytes are
 * files in ATTACHMENTS_DIR. A row is committed only once its file is in
 * place, and the expiry sweep walks `attachments_expiry`.
 */
export class Attachments1733500000000 implements MigrationInterface {
  name = 'Attachments1733500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE attachments (
        id text PRIMARY KEY,
        account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        size bigint NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`);
    await q.query('CREATE INDEX attachments_expiry ON attachments (expires_at)');
    await q.query('CREATE INDEX attachments_account ON attachments (account_id, expires_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE attachments');
  }
}
