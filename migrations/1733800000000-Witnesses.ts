import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Witnesses and gossip (docs/FEDERATION.md, "Witnessing key logs").
 *
 * As a witness of each peer's key log:
 * - witness_logs: one row per peer log (origin): the latest checkpoint
 *   this server cosigned, and when it found the log equivocating (it then
 *   cosigns nothing more of it). Locked FOR UPDATE by each submission,
 *   so checking the old size and storing the new checkpoint are atomic
 *   (the race tlog-witness warns of).
 * - witness_checkpoints: every checkpoint of a peer log this server has
 *   verified, cosigned or seen in gossip, by (origin, size): a second one
 *   of the same size with another root is equivocation.
 * - witness_equivocations: the evidence, both signed checkpoints as their
 *   notes, and the refused consistency proof when there was one.
 *
 * As a log that peers witness:
 * - witness_submissions: per peer, the size it last cosigned and when to
 *   submit next (leased like the federation outbox, FOR UPDATE SKIP LOCKED).
 * - key_log_cosignatures: each cosignature line received, by the size of
 *   our checkpoint it signs; served with that checkpoint.
 */
export class Witnesses1733800000000 implements MigrationInterface {
  name = 'Witnesses1733800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE witness_logs (
        origin text PRIMARY KEY,
        cosigned_size bigint NOT NULL DEFAULT 0,
        cosigned_root bytea,
        cosigned_note text,
        cosigned_at timestamptz,
        equivocated_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE witness_checkpoints (
        origin text NOT NULL,
        size bigint NOT NULL,
        root_hash bytea NOT NULL,
        note text NOT NULL,
        source text NOT NULL,
        seen_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (origin, size)
      )`);
    await q.query(`
      CREATE TABLE witness_equivocations (
        id bigserial PRIMARY KEY,
        origin text NOT NULL,
        kind text NOT NULL,
        source text NOT NULL,
        first_note text NOT NULL,
        second_note text NOT NULL,
        proof jsonb,
        detected_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE witness_submissions (
        peer text PRIMARY KEY,
        cosigned_size bigint NOT NULL DEFAULT 0,
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_error text
      )`);
    await q.query(`
      CREATE TABLE key_log_cosignatures (
        size bigint NOT NULL,
        witness text NOT NULL,
        signature text NOT NULL,
        cosigned_at timestamptz NOT NULL,
        PRIMARY KEY (size, witness)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['key_log_cosignatures', 'witness_submissions', 'witness_equivocations', 'witness_checkpoints', 'witness_logs']) {
      await q.query(`DROP TABLE ${table}`);
    }
  }
}
