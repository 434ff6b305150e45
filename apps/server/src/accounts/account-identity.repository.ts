import { Injectable } from '@nestjs/common';
import type { DeviceListEntry, SignedDeviceList } from '@parley/protocol';
import { DatabaseService, Tx } from '../database/database.service';

/** An account's identity, current signed list and registered devices, read under the account's row lock. */
export interface AccountListState {
  identityKey: Buffer | null;
  nextDeviceId: number;
  version: number;
  devices: DeviceListEntry[];
}

/** The current list and the id the next device gets: what the signer of the next list puts into it. */
export interface SigningState {
  deviceList: SignedDeviceList | null;
  nextDeviceId: number;
}

/** SQL of account identities and their signed device lists. */
@Injectable()
export class AccountIdentityRepository {
  constructor(private readonly db: DatabaseService) {}

  /**
   * Locks the account row for the rest of `tx`, so changes to one
   * account's device list are serialized (the version check holds under
   * concurrency), and reads what a list change is checked against.
   */
  async lockListState(accountId: string, tx: Tx): Promise<AccountListState> {
    // Locked alone, then read: under READ COMMITTED a statement that waited
    // for the lock re-reads only the locked row, so a list joined into it
    // would be the one from before the change it waited for.
    const account = await this.db.one<{ identity_key: Buffer | null; next_device_id: number }>(
      'SELECT identity_key, next_device_id FROM accounts WHERE id = $1 FOR UPDATE',
      [accountId],
      tx,
    );
    const list = await this.db.one<{ version: number }>('SELECT version FROM device_lists WHERE account_id = $1', [accountId], tx);
    const devices = await this.db.rows<{ device_id: number; registration_id: number; identity_key: Buffer }>(
      'SELECT device_id, registration_id, identity_key FROM devices WHERE account_id = $1 ORDER BY device_id',
      [accountId],
      tx,
    );
    return {
      identityKey: account!.identity_key,
      nextDeviceId: account!.next_device_id,
      version: list?.version ?? 0,
      devices: devices.map((d) => ({
        deviceId: d.device_id,
        registrationId: d.registration_id,
        identityKey: d.identity_key.toString('base64'),
      })),
    };
  }

  /**
   * Stores the account's new list inside the caller's transaction, and with
   * its first list its identity; an account reset (`replaceIdentity`)
   * replaces the identity it had.
   */
  async storeDeviceList(accountId: string, list: SignedDeviceList, tx: Tx, options: { replaceIdentity?: boolean } = {}): Promise<void> {
    await this.db.execute(
      `UPDATE accounts SET identity_key = $2 WHERE id = $1${options.replaceIdentity ? '' : ' AND identity_key IS NULL'}`,
      [accountId, Buffer.from(list.accountIdentityKey, 'base64')],
      tx,
    );
    await this.db.execute(
      `INSERT INTO device_lists (account_id, version, list) VALUES ($1, $2, $3)
       ON CONFLICT (account_id) DO UPDATE SET version = EXCLUDED.version, list = EXCLUDED.list, updated_at = now()`,
      [accountId, list.version, JSON.stringify(list)],
      tx,
    );
  }

  /** The account's current signed list, exactly as signed; null before the first one. */
  async findDeviceList(accountId: string): Promise<SignedDeviceList | null> {
    const row = await this.db.one<{ list: SignedDeviceList }>('SELECT list FROM device_lists WHERE account_id = $1', [accountId]);
    return row?.list ?? null;
  }

  /** What a signer of the next list needs, read without a lock (the change itself is checked under one). */
  async findSigningState(accountId: string): Promise<SigningState> {
    const row = await this.db.one<{ list: SignedDeviceList | null; next_device_id: number }>(
      'SELECT l.list, a.next_device_id FROM accounts a LEFT JOIN device_lists l ON l.account_id = a.id WHERE a.id = $1',
      [accountId],
    );
    return { deviceList: row!.list, nextDeviceId: row!.next_device_id };
  }
}
