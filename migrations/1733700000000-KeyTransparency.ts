import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The key log (docs/API.md section 8): an RFC 6962 Merkle tree with one
 * leaf per accepted device list.
 *
 * - key_log_pending: the outbox. A list change inserts its row in its own
 *   transaction, so no change can commit without reaching the log; the
 *   sequencer moves rows into the tree.
 * - key_log_leaves: leaf `idx` with its exact bytes and RFC 6962 hash
 *   (the level-0 nodes of the tree); by address for an account's history.
 * - key_log_nodes: the hash of every complete subtree above the leaves,
 *   (level, idx) covering leaves [idx * 2^level, (idx + 1) * 2^level).
 *   Written once, never changed, like C2SP tlog-tiles (a tile is 256 of
 *   these rows at one level), so a proof or a root is a handful of
 *   primary-key reads.
 * - key_log_tree: one row, the tree size. Locking it is how sequencers in
 *   several processes take turns: indexes are assigned under that lock.
 * - key_log_checkpoints: every signed checkpoint, by tree size.
 */
export class KeyTransparency1733700000000 implements MigrationInterface {
  name = 'KeyTransparency1733700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE key_log_pending (
        seq bigserial PRIMARY KEY,
        address text NOT NULL,
        list_version integer NOT NULL,
        account_identity_key text NOT NULL,
        list_hash text NOT NULL
      )`);
    await q.query(`
      CREATE TABLE key_log_leaves (
        idx bigint PRIMARY KEY,
        address text NOT NULL,
        list_version integer NOT NULL,
        leaf bytea NOT NULL,
        leaf_hash bytea NOT NULL
      )`);
    await q.query('CREATE INDEX key_log_leaves_address ON key_log_leaves (address, idx)');
    await q.query(`
      CREATE TABLE key_log_nodes (
        level smallint NOT NULL,
        idx bigint NOT NULL,
        hash bytea NOT NULL,
        PRIMARY KEY (level, idx)
      )`);
    await q.query(`
      CREATE TABLE key_log_tree (
        id boolean PRIMARY KEY DEFAULT true CHECK (id),
        size bigint NOT NULL
      )`);
    await q.query('INSERT INTO key_log_tree (size) VALUES (0)');
    await q.query(`
      CREATE TABLE key_log_checkpoints (
        size bigint PRIMARY KEY,
        root_hash bytea NOT NULL,
        note text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['key_log_checkpoints', 'key_log_tree', 'key_log_nodes', 'key_log_leaves', 'key_log_pending']) {
      await q.query(`DROP TABLE ${table}`);
    }
  }
}
