import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * How many answers from each peer were refused because they were not
 * signed by the peer's key for our request (docs/FEDERATION.md, "Response
 * signatures"), kept for `parley-admin peers` beside the /metrics counter,
 * which is per process and starts at zero on each restart.
 */
export class ResponseSignatureFailures1734000000000 implements MigrationInterface {
  name = 'ResponseSignatureFailures1734000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE federation_peers ADD COLUMN response_signature_failures bigint NOT NULL DEFAULT 0');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE federation_peers DROP COLUMN response_signature_failures');
  }
}
