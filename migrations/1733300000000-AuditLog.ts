import { MigrationInterface, QueryRunner } from 'typeorm';

/** Each account's append-only, hash-chained log of security events (docs/API.md, "Audit log"). */
export class AuditLog1733300000000 implements MigrationInterface {
  name = 'AuditLog1733300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_log (
        account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        seq integer NOT NULL,
        at bigint NOT NULL,
        kind text NOT NULL,
        detail jsonb NOT NULL,
        hash text NOT NULL,
        PRIMARY KEY (account_id, seq)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE audit_log');
  }
}
