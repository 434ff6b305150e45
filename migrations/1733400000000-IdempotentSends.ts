import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The idempotency keys of accepted local fan-outs (docs/API.md section 3,
 * "Idempotent sends"): a row commits together with its envelopes, so a
 * retried send with the same key stores nothing twice. Kept a day.
 */
export class IdempotentSends1733400000000 implements MigrationInterface {
  name = 'IdempotentSends1733400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE idempotent_sends (
        sender_account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        sender_device_id integer NOT NULL,
        destination_account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        idempotency_key text NOT NULL,
        accepted_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (sender_account_id, sender_device_id, destination_account_id, idempotency_key)
      )`);
    await q.query('CREATE INDEX idempotent_sends_accepted_at ON idempotent_sends (accepted_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE idempotent_sends');
  }
}
