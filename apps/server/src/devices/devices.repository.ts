import { Injectable } from '@nestjs/common';
import { DeviceInfo } from '@parley/protocol';
import { DatabaseService, Tx } from '../database/database.service';

const UNIQUE_VIOLATION = '23505';

export interface NewDevice {
  accountId: string;
  deviceId: number;
  name: string;
  registrationId: number;
  identityKey: Buffer;
  signedPreKey: { keyId: number; publicKey: Buffer; signature: Buffer };
  pqLastResortPreKey: { keyId: number; publicKey: Buffer; signature: Buffer };
}

/** A device's id and registration id: what the fan-out check compares against. */
export interface DeviceRegistration {
  deviceId: number;
  registrationId: number;
}

@Injectable()
export class DevicesRepository {
  constructor(private readonly db: DatabaseService) {}

  /** Inserts the device; false when its identity key is registered to another device already (a unique index decides). */
  async insertDevice(d: NewDevice, tx: Tx): Promise<boolean> {
    try {
      await this.insertDeviceRow(d, tx);
      return true;
    } catch (error) {
      if ((error as { code?: string; constraint?: string }).code === UNIQUE_VIOLATION) return false;
      throw error;
    }
  }

  private async insertDeviceRow(d: NewDevice, tx: Tx): Promise<void> {
    await this.db.execute(
      `INSERT INTO devices (account_id, device_id, name, registration_id, identity_key,
         signed_prekey_id, signed_prekey, signed_prekey_signature, pq_last_resort_id, pq_last_resort_key, pq_last_resort_signature)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        d.accountId,
        d.deviceId,
        d.name,
        d.registrationId,
        d.identityKey,
        d.signedPreKey.keyId,
        d.signedPreKey.publicKey,
        d.signedPreKey.signature,
        d.pqLastResortPreKey.keyId,
        d.pqLastResortPreKey.publicKey,
        d.pqLastResortPreKey.signature,
      ],
      tx,
    );
  }

  listDevices(accountId: string): Promise<DeviceInfo[]> {
    return this.db.rows<DeviceInfo>(
      `SELECT device_id AS "deviceId", name, registration_id AS "registrationId",
              to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt",
              to_char(last_seen_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "lastSeenAt"
         FROM devices WHERE account_id = $1 ORDER BY device_id`,
      [accountId],
    );
  }

  /** Current devices of an account with their registration ids, for the fan-out check. */
  listRegistrations(accountId: string, tx?: Tx): Promise<DeviceRegistration[]> {
    return this.db.rows<DeviceRegistration>(
      'SELECT device_id AS "deviceId", registration_id AS "registrationId" FROM devices WHERE account_id = $1 ORDER BY device_id',
      [accountId],
      tx,
    );
  }

  /** Deletes the device; its keys, queue, challenges and sessions go with it (ON DELETE CASCADE). */
  async deleteDevice(accountId: string, deviceId: number, tx: Tx): Promise<boolean> {
    return (await this.db.execute('DELETE FROM devices WHERE account_id = $1 AND device_id = $2', [accountId, deviceId], tx)) === 1;
  }

  async touchLastSeen(accountId: string, deviceId: number): Promise<void> {
    await this.db.execute('UPDATE devices SET last_seen_at = now() WHERE account_id = $1 AND device_id = $2', [accountId, deviceId]);
  }

  /** Stores a device-login challenge, valid for `ttlSeconds`. */
  async insertChallenge(challenge: Buffer, accountId: string, deviceId: number, ttlSeconds: number): Promise<void> {
    await this.db.execute(
      `INSERT INTO auth_challenges (challenge, account_id, device_id, expires_at) VALUES ($1, $2, $3, now() + make_interval(secs => $4))`,
      [challenge, accountId, deviceId, ttlSeconds],
    );
  }

  /**
   * Consumes a challenge issued to this device and returns the device's
   * identity key. Single use: the challenge is deleted by the statement
   * that checks it, so a replay finds nothing.
   */
  async consumeChallenge(challenge: Buffer, accountId: string, deviceId: number): Promise<Buffer | null> {
    const row = await this.db.one<{ identity_key: Buffer }>(
      `WITH used AS (
         DELETE FROM auth_challenges WHERE challenge = $1 AND account_id = $2 AND device_id = $3 AND expires_at > now()
         RETURNING account_id, device_id)
       SELECT d.identity_key FROM used JOIN devices d USING (account_id, device_id)`,
      [challenge, accountId, deviceId],
    );
    return row?.identity_key ?? null;
  }
}
