import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A peer's transaction is now recorded in the statement that stores its
 * envelopes (messages.repository.ts insertFanouts), so an inbox row exists
 * only once its fan-out is stored and has no pending state. A row left
 * pending by the earlier claim-store-mark steps is deleted: its envelopes
 * may or may not have been stored, and without the row the peer's retry
 * stores them (at least once, as that version promised), whereas keeping
 * it as done could answer 200 for envelopes that were never stored.
 */
export class InboxCommitsWithEnvelopes1733900000000 implements MigrationInterface {
  name = 'InboxCommitsWithEnvelopes1733900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM federation_inbox WHERE state = 'pending'`);
    await q.query('ALTER TABLE federation_inbox DROP COLUMN state');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE federation_inbox ADD COLUMN state text NOT NULL DEFAULT 'done' CHECK (state IN ('pending', 'done'))`);
  }
}
