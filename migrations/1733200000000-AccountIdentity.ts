import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Account identities, signed device lists and linking slots
 * (docs/SECURITY.md). The server keeps an account's current signed list
 * exactly as its account identity signed it, so every client can check it.
 */
export class AccountIdentity1733200000000 implements MigrationInterface {
  name = 'AccountIdentity1733200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE accounts ADD COLUMN identity_key bytea');
    await q.query(`
      CREATE TABLE device_lists (
        account_id uuid PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
        version integer NOT NULL,
        list jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // One device identity key names one device: a copy of someone else's public key cannot register as theirs.
    await q.query('CREATE UNIQUE INDEX devices_identity_key ON devices (identity_key)');
    // A linking slot relays one sealed provisioning message from an existing device to a new one.
    await q.query(`
      CREATE TABLE provisioning_slots (
        id uuid PRIMARY KEY,
        account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        message text,
        expires_at timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE provisioning_slots');
    await q.query('DROP INDEX devices_identity_key');
    await q.query('DROP TABLE device_lists');
    await q.query('ALTER TABLE accounts DROP COLUMN identity_key');
  }
}
