import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `delivery:failed` notices kept for the sending device until it
 * acknowledges them (API.md sections 3 and 4, docs/FEDERATION.md): written
 * in the transaction that gives up an outbox row, so a device that was
 * offline then still hears of it.
 */
export class DeliveryFailures1734100000000 implements MigrationInterface {
  name = 'DeliveryFailures1734100000000';

  async up(q: QueryRunner): Promise<void> {
    // seq orders a device's notices, as it orders envelopes; device_lists holds the peer's missing/extra/stale lists.
    await q.query(`
      CREATE TABLE delivery_failures (
        seq bigserial PRIMARY KEY,
        id uuid NOT NULL UNIQUE,
        account_id uuid NOT NULL,
        device_id integer NOT NULL,
        destination text NOT NULL,
        client_timestamp bigint NOT NULL,
        error text NOT NULL,
        device_lists jsonb NOT NULL,
        expires_at timestamptz NOT NULL,
        FOREIGN KEY (account_id, device_id) REFERENCES devices(account_id, device_id) ON DELETE CASCADE
      )`);
    await q.query('CREATE INDEX delivery_failures_device ON delivery_failures (account_id, device_id, seq)');
    await q.query('CREATE INDEX delivery_failures_expiry ON delivery_failures (expires_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE delivery_failures');
  }
}
