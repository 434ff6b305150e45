import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Push wake-ups (docs/API.md, "Push wake-ups"): one Web Push subscription
 * per device, with what its push service last answered, and the server's
 * VAPID key pair beside its federation key, kept in the database for the
 * same reason: every process of a deployment signs with the same key, so a
 * subscription made against one process's public key works from all.
 */
export class PushSubscriptions1734300000000 implements MigrationInterface {
  name = 'PushSubscriptions1734300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE push_vapid_identity (
        id boolean PRIMARY KEY DEFAULT true CHECK (id),
        public_key text NOT NULL,
        private_key text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE push_subscriptions (
        account_id uuid NOT NULL,
        device_id integer NOT NULL,
        endpoint text NOT NULL,
        p256dh bytea NOT NULL,
        auth bytea NOT NULL,
        created_at timestamptz NOT NULL,
        last_success_at timestamptz,
        last_failure_at timestamptz,
        last_failure_status integer,
        dropped_at timestamptz,
        PRIMARY KEY (account_id, device_id),
        FOREIGN KEY (account_id, device_id) REFERENCES devices (account_id, device_id) ON DELETE CASCADE
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE push_subscriptions');
    await q.query('DROP TABLE push_vapid_identity');
  }
}
