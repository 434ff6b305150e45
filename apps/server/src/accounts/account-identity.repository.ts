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

  /** The current signed lists of some accounts, exactly as signed; accounts without one are absent. */
  async findDeviceLists(accountIds: string[]): Promise<Map<string, SignedDeviceList>> {
    const rows = await this.db.rows<{ account_id: string; list: SignedDeviceList }>(
      'SELECT account_id, list FROM device_lists WHERE account_id = ANY($1::uuid[])',
      [accountIds],
    );
    return new Map(rows.map((r) => [r.account_id, r.list]));
  }

  async findNextDeviceId(accountId: string): Promise<number> {
    const row = await this.db.one<{ next_device_id: number }>('SELECT next_device_id FROM accounts WHERE id = $1', [accountId]);
    return row!.next_device_id;
  }
}
