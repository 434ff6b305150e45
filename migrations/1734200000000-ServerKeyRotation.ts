import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Server key rotation (docs/FEDERATION.md, "Rotating this server's key"):
 * this server's rotation statements, published at GET
 * /federation/v1/server-key, and on each pinned peer key the time of the
 * peer's statement it was followed through, so an older one is never
 * followed again.
 */
export class ServerKeyRotation1734200000000 implements MigrationInterface {
  name = 'ServerKeyRotation1734200000000';

  async up(q: QueryRunner): Promise<void> {
    // private_key becomes the newest key; until effective_at, processes still sign with previous_private_key.
    await q.query('ALTER TABLE federation_identity ADD COLUMN previous_private_key text, ADD COLUMN effective_at timestamptz');
    await q.query(`
      CREATE TABLE federation_key_rotations (
        id bigserial PRIMARY KEY,
        previous_public_key text NOT NULL,
        next_public_key text NOT NULL UNIQUE,
        effective_at timestamptz NOT NULL,
        statement text NOT NULL
      )`);
    await q.query('ALTER TABLE federation_peers ADD COLUMN key_rotated_at timestamptz');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE federation_peers DROP COLUMN key_rotated_at');
    await q.query('DROP TABLE federation_key_rotations');
    await q.query('ALTER TABLE federation_identity DROP COLUMN previous_private_key, DROP COLUMN effective_at');
  }
}
