import { MigrationInterface, QueryRunner } from 'typeorm';

/** Durable per-device envelope queues (API.md section 3). */
export class EnvelopeQueue1732435300000 implements MigrationInterface {
  name = 'EnvelopeQueue1732435300000';

  async up(q: QueryRunner): Promise<void> {
    // seq orders a device's queue: envelopes are delivered in the order accepted.
    await q.query(`
      CREATE TABLE envelopes (
        seq bigserial PRIMARY KEY,
        id uuid NOT NULL UNIQUE,
        account_id uuid NOT NULL,
        device_id integer NOT NULL,
        source text NOT NULL,
        source_device_id integer NOT NULL,
        type smallint NOT NULL,
        content bytea NOT NULL,
        client_timestamp bigint NOT NULL,
        server_timestamp bigint NOT NULL,
        expires_at timestamptz NOT NULL,
        FOREIGN KEY (account_id, device_id) REFERENCES devices(account_id, device_id) ON DELETE CASCADE
      )`);
    await q.query('CREATE INDEX envelopes_queue ON envelopes (account_id, device_id, seq)');
    await q.query('CREATE INDEX envelopes_expiry ON envelopes (expires_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE envelopes');
  }
}
