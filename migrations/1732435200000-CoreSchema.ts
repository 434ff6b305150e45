import { MigrationInterface, QueryRunner } from 'typeorm';

/** Accounts, devices, sessions, device-login challenges and the prekey directory (API.md sections 1 and 2). */
export class CoreSchema1732435200000 implements MigrationInterface {
  name = 'CoreSchema1732435200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE accounts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        username text NOT NULL UNIQUE,
        password_hash text NOT NULL,
        -- Device ids are never reused, so a removed device's sessions cannot
        -- silently address a new one.
        next_device_id integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE devices (
        account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        device_id integer NOT NULL,
        name text NOT NULL,
        registration_id integer NOT NULL,
        identity_key bytea NOT NULL,
        signed_prekey_id integer NOT NULL,
        signed_prekey bytea NOT NULL,
        signed_prekey_signature bytea NOT NULL,
        pq_last_resort_id integer NOT NULL,
        pq_last_resort_key bytea NOT NULL,
        pq_last_resort_signature bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz,
        PRIMARY KEY (account_id, device_id)
      )`);
    // One-time keys are handed out oldest first (by seq): see KeysRepository.
    await q.query(`
      CREATE TABLE one_time_prekeys (
        seq bigserial PRIMARY KEY,
        account_id uuid NOT NULL,
        device_id integer NOT NULL,
        key_id integer NOT NULL,
        public_key bytea NOT NULL,
        FOREIGN KEY (account_id, device_id) REFERENCES devices(account_id, device_id) ON DELETE CASCADE,
        UNIQUE (account_id, device_id, key_id)
      )`);
    await q.query(`
      CREATE TABLE kyber_prekeys (
        seq bigserial PRIMARY KEY,
        account_id uuid NOT NULL,
        device_id integer NOT NULL,
        key_id integer NOT NULL,
        public_key bytea NOT NULL,
        signature bytea NOT NULL,
        FOREIGN KEY (account_id, device_id) REFERENCES devices(account_id, device_id) ON DELETE CASCADE,
        UNIQUE (account_id, device_id, key_id)
      )`);
    await q.query(`CREATE INDEX one_time_prekeys_device ON one_time_prekeys (account_id, device_id, seq)`);
    await q.query(`CREATE INDEX kyber_prekeys_device ON kyber_prekeys (account_id, device_id, seq)`);
    // A session is one login: an account token (device_id null) or a device token.
    // The refresh token rotates; generation tells a spent one from the current one.
    await q.query(`
      CREATE TABLE sessions (
        id uuid PRIMARY KEY,
        account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        device_id integer,
        refresh_hash bytea NOT NULL,
        generation integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        FOREIGN KEY (account_id, device_id) REFERENCES devices(account_id, device_id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX sessions_device ON sessions (account_id, device_id)`);
    await q.query(`
      CREATE TABLE auth_challenges (
        challenge bytea PRIMARY KEY,
        account_id uuid NOT NULL,
        device_id integer NOT NULL,
        expires_at timestamptz NOT NULL,
        FOREIGN KEY (account_id, device_id) REFERENCES devices(account_id, device_id) ON DELETE CASCADE
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['auth_challenges', 'sessions', 'kyber_prekeys', 'one_time_prekeys', 'devices', 'accounts']) {
      await q.query(`DROP TABLE ${table}`);
    }
  }
}
