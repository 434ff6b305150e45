import { Injectable } from '@nestjs/common';
import { DatabaseService, Tx } from '../database/database.service';

export interface StoredPreKey {
  keyId: number;
  publicKey: Buffer;
}
export interface StoredSignedPreKey extends StoredPreKey {
  signature: Buffer;
}

/**
 * One device's bundle material as claimed: the device row's keys, the
 * one-time keys this claim took (null when none was left), and how many
 * one-time keys of each kind it had before, counted up to a bound.
 */
export interface ClaimedDeviceKeys {
  account_id: string;
  device_id: number;
  registration_id: number;
  identity_key: Buffer;
  signed_prekey_id: number;
  signed_prekey: Buffer;
  signed_prekey_signature: Buffer;
  pq_last_resort_id: number;
  pq_last_resort_key: Buffer;
  pq_last_resort_signature: Buffer;
  ec_key_id: number | null;
  ec_public_key: Buffer | null;
  pq_key_id: number | null;
  pq_public_key: Buffer | null;
  pq_signature: Buffer | null;
  ec_before: string;
  pq_before: string;
  /** The account's device list version in the claim's snapshot; null before its first list. */
  list_version: number | null;
}

export const UNIQUE_VIOLATION = '23505';

/** The prekey directory: one-time EC and Kyber keys, and the signed keys kept on the device row. */
@Injectable()
export class KeysRepository {
  constructor(private readonly db: DatabaseService) {}

  /**
   * Claims, for every device of `username` (or only `deviceId`), its oldest
   * one-time EC prekey and its oldest one-time Kyber prekey, and returns
   * them with the device's signed keys, in one statement.
   *
   * Guarantee: each one-time key is returned at most once, ever, under any
   * concurrency and across processes: a key row is deleted by the same
   * statement that returns it, and SKIP LOCKED makes concurrent claimers
   * take different rows instead of queueing on one (a claimer that finds
   * only locked rows gets none, as if the device had run out). Oldest
   * first, because a client may expire the private halves of its oldest
   * keys. The Kyber last-resort key lives on the device row and is never
   * claimed. `ec_before`/`pq_before` see the statement's snapshot, i.e.
   * the counts before this claim, bounded by `countBound`. Prepared: it
   * runs on every bundle fetch, and PostgreSQL plans it once per
   * connection instead of on every call.
   */
  claimBundleKeys(username: string, deviceId: number | null, countBound: number): Promise<ClaimedDeviceKeys[]> {
    return this.db.preparedRows<ClaimedDeviceKeys>(
      'claim_bundle_keys',
      `WITH target AS (
         SELECT d.account_id, d.device_id, d.registration_id, d.identity_key, d.signed_prekey_id, d.signed_prekey,
                d.signed_prekey_signature, d.pq_last_resort_id, d.pq_last_resort_key, d.pq_last_resort_signature
           FROM accounts a JOIN devices d ON d.account_id = a.id
          WHERE a.username = $1 AND ($2::int IS NULL OR d.device_id = $2)),
       ec AS (
         DELETE FROM one_time_prekeys WHERE seq IN (
           SELECT k.seq FROM target t CROSS JOIN LATERAL (
             SELECT o.seq FROM one_time_prekeys o WHERE o.account_id = t.account_id AND o.device_id = t.device_id
              ORDER BY o.seq LIMIT 1 FOR UPDATE SKIP LOCKED) k)
         RETURNING device_id, key_id, public_key),
       pq AS (
         DELETE FROM kyber_prekeys WHERE seq IN (
           SELECT k.seq FROM target t CROSS JOIN LATERAL (
             SELECT o.seq FROM kyber_prekeys o WHERE o.account_id = t.account_id AND o.device_id = t.device_id
              ORDER BY o.seq LIMIT 1 FOR UPDATE SKIP LOCKED) k)
         RETURNING device_id, key_id, public_key, signature)
       SELECT t.*, ec.key_id AS ec_key_id, ec.public_key AS ec_public_key,
              pq.key_id AS pq_key_id, pq.public_key AS pq_public_key, pq.signature AS pq_signature,
              (SELECT count(*) FROM (SELECT 1 FROM one_time_prekeys o
                 WHERE o.account_id = t.account_id AND o.device_id = t.device_id LIMIT $3) n) AS ec_before,
              (SELECT count(*) FROM (SELECT 1 FROM kyber_prekeys o
                 WHERE o.account_id = t.account_id AND o.device_id = t.device_id LIMIT $3) n) AS pq_before,
              (SELECT l.version FROM device_lists l WHERE l.account_id = t.account_id) AS list_version
         FROM target t LEFT JOIN ec ON ec.device_id = t.device_id LEFT JOIN pq ON pq.device_id = t.device_id
        ORDER BY t.device_id`,
      [username, deviceId, countBound],
    );
  }

  /** Locks the device's row until `tx` ends, so uploads of one device are counted one after another. */
  async lockDevice(accountId: string, deviceId: number, tx: Tx): Promise<void> {
    await this.db.execute('SELECT 1 FROM devices WHERE account_id = $1 AND device_id = $2 FOR UPDATE', [accountId, deviceId], tx);
  }

  /** Inserts one-time EC prekeys; a key id the device already has fails the statement (unique violation). */
  async insertOneTimePreKeys(accountId: string, deviceId: number, keys: StoredPreKey[], tx?: Tx) {
    if (keys.length === 0) return;
    await this.db.execute(
      `INSERT INTO one_time_prekeys (account_id, device_id, key_id, public_key)
       SELECT $1, $2, k, p FROM unnest($3::int[], $4::bytea[]) WITH ORDINALITY AS t(k, p, o) ORDER BY o`,
      [accountId, deviceId, keys.map((k) => k.keyId), keys.map((k) => k.publicKey)],
      tx,
    );
  }

  /** Inserts one-time Kyber prekeys; a key id the device already has fails the statement (unique violation). */
  async insertOneTimeKyberPreKeys(accountId: string, deviceId: number, keys: StoredSignedPreKey[], tx?: Tx) {
    if (keys.length === 0) return;
    await this.db.execute(
      `INSERT INTO kyber_prekeys (account_id, device_id, key_id, public_key, signature)
       SELECT $1, $2, k, p, s FROM unnest($3::int[], $4::bytea[], $5::bytea[]) WITH ORDINALITY AS t(k, p, s, o) ORDER BY o`,
      [accountId, deviceId, keys.map((k) => k.keyId), keys.map((k) => k.publicKey), keys.map((k) => k.signature)],
      tx,
    );
  }

  /**
   * True when a one-time Kyber key of the device has the id of its
   * last-resort key. They share one id space, as in the client's Kyber
   * store, so the client could not tell which private key a sender used.
   */
  async kyberIdClashesWithLastResort(accountId: string, deviceId: number, tx?: Tx): Promise<boolean> {
    const row = await this.db.one(
      `SELECT 1 AS clash FROM kyber_prekeys k JOIN devices d USING (account_id, device_id)
        WHERE d.account_id = $1 AND d.device_id = $2 AND k.key_id = d.pq_last_resort_id LIMIT 1`,
      [accountId, deviceId],
      tx,
    );
    return row !== null;
  }

  async replaceSignedPreKey(accountId: string, deviceId: number, key: StoredSignedPreKey, tx?: Tx) {
    await this.db.execute(
      'UPDATE devices SET signed_prekey_id = $3, signed_prekey = $4, signed_prekey_signature = $5 WHERE account_id = $1 AND device_id = $2',
      [accountId, deviceId, key.keyId, key.publicKey, key.signature],
      tx,
    );
  }

  async replaceLastResortKyberPreKey(accountId: string, deviceId: number, key: StoredSignedPreKey, tx?: Tx) {
    await this.db.execute(
      'UPDATE devices SET pq_last_resort_id = $3, pq_last_resort_key = $4, pq_last_resort_signature = $5 WHERE account_id = $1 AND device_id = $2',
      [accountId, deviceId, key.keyId, key.publicKey, key.signature],
      tx,
    );
  }

  /** Within `tx`, the count sees that transaction's own inserts. */
  async countOneTimeKeys(accountId: string, deviceId: number, tx?: Tx): Promise<{ preKeys: number; pqPreKeys: number }> {
    const row = await this.db.one<{ pre_keys: string; pq_pre_keys: string }>(
      `SELECT (SELECT count(*) FROM one_time_prekeys WHERE account_id = $1 AND device_id = $2) AS pre_keys,
              (SELECT count(*) FROM kyber_prekeys WHERE account_id = $1 AND device_id = $2) AS pq_pre_keys`,
      [accountId, deviceId],
      tx,
    );
    return { preKeys: Number(row!.pre_keys), pqPreKeys: Number(row!.pq_pre_keys) };
  }

  /**
   * Whether either kind of one-time key is below `threshold`, reading at
   * most `threshold` rows of each: constant time however many keys the
   * device stores, unlike a full count (which scanned every stored Kyber
   * key, 1.6 KB each, on every bundle fetch).
   */
  async hasFewerOneTimeKeysThan(accountId: string, deviceId: number, threshold: number): Promise<boolean> {
    const row = await this.db.one<{ low: boolean }>(
      `SELECT (SELECT count(*) FROM (SELECT 1 FROM one_time_prekeys WHERE account_id = $1 AND device_id = $2 LIMIT $3) e) < $3
           OR (SELECT count(*) FROM (SELECT 1 FROM kyber_prekeys WHERE account_id = $1 AND device_id = $2 LIMIT $3) k) < $3 AS low`,
      [accountId, deviceId, threshold],
    );
    return row?.low === true;
  }

  async findIdentityKey(accountId: string, deviceId: number): Promise<Buffer | null> {
    const row = await this.db.one<{ identity_key: Buffer }>('SELECT identity_key FROM devices WHERE account_id = $1 AND device_id = $2', [
      accountId,
      deviceId,
    ]);
    return row?.identity_key ?? null;
  }
}
