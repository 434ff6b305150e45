import { Injectable } from '@nestjs/common';
import { DatabaseService, Tx } from '../database/database.service';

export interface AccountRow {
  id: string;
  username: string;
  password_hash: string;
}

const UNIQUE_VIOLATION = '23505';

@Injectable()
export class AccountsRepository {
  constructor(private readonly db: DatabaseService) {}

  /** Inserts the account; null when the username is taken (decided by the unique index, so races are safe). */
  async insertAccount(username: string, passwordHash: string): Promise<AccountRow | null> {
    try {
      return await this.db.one<AccountRow>(
        'INSERT INTO accounts (username, password_hash) VALUES ($1, $2) RETURNING id, username, password_hash',
        [username, passwordHash],
      );
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) return null;
      throw error;
    }
  }

  findByUsername(username: string): Promise<AccountRow | null> {
    return this.db.one<AccountRow>('SELECT id, username, password_hash FROM accounts WHERE username = $1', [username]);
  }

  /**
   * Locks the account row for the rest of `tx` and takes the next device
   * id. Device ids are never reused (see the migration).
   */
  async takeNextDeviceId(accountId: string, tx: Tx): Promise<number> {
    const row = await this.db.one<{ device_id: number }>(
      'UPDATE accounts SET next_device_id = next_device_id + 1 WHERE id = $1 RETURNING next_device_id - 1 AS device_id',
      [accountId],
      tx,
    );
    return row!.device_id;
  }
}
