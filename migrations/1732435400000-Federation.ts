import { MigrationInterface, QueryRunner } from 'typeorm';

/** Federation (API.md section 5, docs/FEDERATION.md): server identity, pinned peer keys, outbox, inbox, nonces. */
export class Federation1732435400000 implements MigrationInterface {
  name = 'Federation1732435400000';

  async up(q: QueryRunner): Promise<void> {
    // This server's Ed25519 key when PARLEY_SERVER_KEY is not given. One row;
    // kept in the database so that every process of a deployment signs with
    // the same key (with embedded storage the database is in the data dir).
    await q.query(`
      CREATE TABLE federation_identity (
        id boolean PRIMARY KEY DEFAULT true CHECK (id),
        private_key text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Peer keys learned on first contact (trust on first use) and their status.
    await q.query(`
      CREATE TABLE federation_peers (
        domain text PRIMARY KEY,
        public_key text,
        pinned_at timestamptz,
        last_success_at timestamptz,
        last_failure_at timestamptz,
        last_error text
      )`);
    // Sends to peers that could not be relayed at once. seq orders each
    // destination's rows; the worker takes only the oldest row of a destination.
    await q.query(`
      CREATE TABLE federation_outbox (
        seq bigserial PRIMARY KEY,
        transaction_id uuid NOT NULL UNIQUE,
        peer text NOT NULL,
        destination text NOT NULL,
        sender_account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        sender_device_id integer NOT NULL,
        client_timestamp bigint NOT NULL,
        payload jsonb NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        last_error text,
        created_at timestamptz NOT NULL
      )`);
    await q.query('CREATE INDEX federation_outbox_due ON federation_outbox (next_attempt_at)');
    await q.query('CREATE INDEX federation_outbox_destination ON federation_outbox (peer, destination, seq)');
    // Fan-outs received from peers, by (origin, transaction id): a redelivery is answered without storing again.
    await q.query(`
      CREATE TABLE federation_inbox (
        origin text NOT NULL,
        transaction_id text NOT NULL,
        state text NOT NULL CHECK (state IN ('pending', 'done')),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (origin, transaction_id)
      )`);
    await q.query('CREATE INDEX federation_inbox_age ON federation_inbox (updated_at)');
    // Request nonces seen within the signature validity window (used when there is no Redis).
    await q.query(`
      CREATE TABLE federation_nonces (
        origin text NOT NULL,
        nonce text NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (origin, nonce)
      )`);
    await q.query('CREATE INDEX federation_nonces_expiry ON federation_nonces (expires_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['federation_nonces', 'federation_inbox', 'federation_outbox', 'federation_peers', 'federation_identity']) {
      await q.query(`DROP TABLE ${table}`);
    }
  }
}
