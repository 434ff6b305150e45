import { Injectable } from '@nestjs/common';
import { DatabaseService, Tx } from '../database/database.service';

export interface StoredPreKey { keyId: number; publicKey: Buffer }
export interface StoredSignedPreKey extends StoredPreKey { signature: Buffer }

/** The parts of a device row a bundle is made of. */
export interface DeviceKeysRow {
  device_id: number;
  registration_id: number;
  identity_key: Buffer;
  signed_prekey_id: number;
  signed_prekey: Buffer;
  signed_prekey_signature: Buffer;
  pq_last_resort_id: number;
  pq_last_resort_key: Buffer;
  pq_last_resort_signature: Buffer;
}

const DEVICE_KEY_COLUMNS = `device_id, registration_id, identity_key, signed_prekey_id, signed_prekey, signed_prekey_signature,
  pq_last_resort_id, pq_last_resort_key, pq_last_resort_signature`;

export const UNIQUE_VIOLATION = '23505';

/** The prekey directory: one-time EC and Kyber keys, and the signed keys kept on the device row. */
@Injectable()
export class KeysRepository {
  constructor(private readonly db: DatabaseService) {}

  /**
   * Takes the device's oldest one-time EC prekey, or null when none is left.
   *
   * Guarantee: each key is returned at most once, ever, under any
   * concurrency and across processes: the row is deleted by the same
   * statement that returns it, and SKIP LOCKED makes concurrent claimers
   * take different rows instead of queueing on one. Oldest first because a
   * client may expire the private halves of its oldest keys.
   */
  async claimOneTimePreKey(accountId: string, deviceId: number): Promise<StoredPreKey | null> {
    return this.db.one<StoredPreKey>(
      `DELETE FROM one_time_prekeys WHERE seq = (
         SELECT seq FROM one_time_prekeys WHERE account_id = $1 AND device_id = $2
         ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING key_id AS "keyId", public_key AS "publicKey"`,
      [accountId, deviceId],
    );
  }

  /** Same guarantee as claimOneTimePreKey, for one-time Kyber prekeys (never the last-resort key). */
  async claimOneTimeKyberPreKey(accountId: string, deviceId: number): Promise<StoredSignedPreKey | null> {
    return this.db.one<StoredSignedPreKey>(
      `DELETE FROM kyber_prekeys WHERE seq = (
         SELECT seq FROM kyber_prekeys WHERE account_id = $1 AND device_id = $2
         ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING key_id AS "keyId", public_key AS "publicKey", signature`,
      [accountId, deviceId],
    );
  }

  /** Inserts one-time EC prekeys; a key id the device already has fails the statement (unique violation). */
  async insertOneTimePreKeys(accountId: string, deviceId: number, keys: StoredPreKey[], tx?: Tx) {
    if (keys.length === 0) return;
    await this.db.execute(
      `INSERT INTO one_time_prekeys (account_id, device_id, key_id, public_key)
       SELECT $1, $2, k, p FROM unnest($3::int[], $4::bytea[]) WITH ORDINALITY AS t(k, p, o) ORDER BY o`,
      [accountId, deviceId, keys.map((k) => k.keyId), keys.map((k) => k.publicKey)], tx,
    );
  }

  /** Inserts one-time Kyber prekeys; a key id the device already has fails the statement (unique violation). */
  async insertOneTimeKyberPreKeys(accountId: string, deviceId: number, keys: StoredSignedPreKey[], tx?: Tx) {
    if (keys.length === 0) return;
    await this.db.execute(
      `INSERT INTO kyber_prekeys (account_id, device_id, key_id, public_key, signature)
       SELECT $1, $2, k, p, s FROM unnest($3::int[], $4::bytea[], $5::bytea[]) WITH ORDINALITY AS t(k, p, s, o) ORDER BY o`,
      [accountId, deviceId, keys.map((k) => k.keyId), keys.map((k) => k.publicKey), keys.map((k) => k.signature)], tx,
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
      [accountId, deviceId], tx,
    );
    return row !== null;
  }

  async replaceSignedPreKey(accountId: string, deviceId: number, key: StoredSignedPreKey, tx?: Tx) {
    await this.db.execute(
      'UPDATE devices SET signed_prekey_id = $3, signed_prekey = $4, signed_prekey_signature = $5 WHERE account_id = $1 AND device_id = $2',
      [accountId, deviceId, key.keyId, key.publicKey, key.signature], tx,
    );
  }

  async replaceLastResortKyberPreKey(accountId: string, deviceId: number, key: StoredSignedPreKey, tx?: Tx) {
    await this.db.execute(
      'UPDATE devices SET pq_last_resort_id = $3, pq_last_resort_key = $4, pq_last_resort_signature = $5 WHERE account_id = $1 AND device_id = $2',
      [accountId, deviceId, key.keyId, key.publicKey, key.signature], tx,
    );
  }

  async countOneTimeKeys(accountId: string, deviceId: number): Promise<{ preKeys: number; pqPreKeys: number }> {
    const row = await this.db.one<{ pre_keys: string; pq_pre_keys: string }>(
      `SELECT (SELECT count(*) FROM one_time_prekeys WHERE account_id = $1 AND device_id = $2) AS pre_keys,
              (SELECT count(*) FROM kyber_prekeys WHERE account_id = $1 AND device_id = $2) AS pq_pre_keys`,
      [accountId, deviceId],
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

  /** Key material of every device of the account (or of one device), ordered by device id. */
  findDeviceKeys(accountId: string, deviceId?: number): Promise<DeviceKeysRow[]> {
    return deviceId === undefined
      ? this.db.rows<DeviceKeysRow>(`SELECT ${DEVICE_KEY_COLUMNS} FROM devices WHERE account_id = $1 ORDER BY device_id`, [accountId])
      : this.db.rows<DeviceKeysRow>(`SELECT ${DEVICE_KEY_COLUMNS} FROM devices WHERE account_id = $1 AND device_id = $2`, [accountId, deviceId]);
  }

  async findIdentityKey(accountId: string, deviceId: number): Promise<Buffer | null> {
    const row = await this.db.one<{ identity_key: Buffer }>(
      'SELECT identity_key FROM devices WHERE account_id = $1 AND device_id = $2', [accountId, deviceId],
    );
    return row?.identity_key ?? null;
  }
}
