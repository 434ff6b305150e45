import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../database/database.service';

/** SQL of backup PINs (migrations/1734400000001-BackupPins.ts). */
@Injectable()
export class BackupPinsRepository {
  constructor(private readonly db: DatabaseService) {}

  /** The stored OPAQUE setup, storing `candidate` first if there is none: processes starting at once all use the first one committed. */
  async findOrStoreSetup(candidate: string): Promise<string> {
    await this.db.execute('INSERT INTO backup_pin_setup (server_setup) VALUES ($1) ON CONFLICT (id) DO NOTHING', [candidate]);
    return (await this.db.one<{ server_setup: string }>('SELECT server_setup FROM backup_pin_setup'))!.server_setup;
  }

  /** Sets or replaces the account's PIN: a new record and wrapped key, no guesses counted, no login in progress. */
  async upsert(accountId: string, registrationRecord: string, wrappedKey: Buffer): Promise<void> {
    await this.db.execute(
      `INSERT INTO backup_pins (account_id, registration_record, wrapped_key) VALUES ($1, $2, $3)
       ON CONFLICT (account_id) DO UPDATE SET registration_record = EXCLUDED.registration_record,
         wrapped_key = EXCLUDED.wrapped_key, attempts = 0, login_state = NULL`,
      [accountId, registrationRecord, wrappedKey],
    );
  }

  async findRecord(accountId: string): Promise<string | null> {
    const row = await this.db.one<{ registration_record: string }>('SELECT registration_record FROM backup_pins WHERE account_id = $1', [
      accountId,
    ]);
    return row?.registration_record ?? null;
  }

  /**
   * Counts one guess and keeps `loginState` for its finish, only while
   * fewer than `limit` guesses were counted; returns the count, or null
   * when there is no PIN or its guesses are used up. One conditional
   * UPDATE, so concurrent logins cannot together take more than `limit`.
   */
  async countGuess(accountId: string, loginState: string, limit: number): Promise<number | null> {
    const row = await this.db.one<{ attempts: number }>(
      'UPDATE backup_pins SET attempts = attempts + 1, login_state = $2 WHERE account_id = $1 AND attempts < $3 RETURNING attempts',
      [accountId, loginState, limit],
    );
    return row ? Number(row.attempts) : null;
  }

  /** Takes the state of the login in progress: each state finishes at most one login. */
  async takeLoginState(accountId: string): Promise<string | null> {
    const row = await this.db.one<{ login_state: string | null }>(
      `UPDATE backup_pins AS p SET login_state = NULL FROM (SELECT login_state FROM backup_pins WHERE account_id = $1 FOR UPDATE) AS old
       WHERE p.account_id = $1 RETURNING old.login_state`,
      [accountId],
    );
    return row?.login_state ?? null;
  }

  /** After a right PIN: forgets the guesses and hands out the wrapped key. */
  async resetGuesses(accountId: string): Promise<Buffer | null> {
    const row = await this.db.one<{ wrapped_key: Uint8Array }>(
      'UPDATE backup_pins SET attempts = 0 WHERE account_id = $1 RETURNING wrapped_key',
      [accountId],
    );
    return row ? Buffer.from(row.wrapped_key) : null;
  }

  /** Deletes the PIN (the wrapped key with it) once `limit` guesses were counted; whether it did. */
  async deleteIfExhausted(accountId: string, limit: number): Promise<boolean> {
    return (await this.db.execute('DELETE FROM backup_pins WHERE account_id = $1 AND attempts >= $2', [accountId, limit])) > 0;
  }

  async delete(accountId: string): Promise<boolean> {
    return (await this.db.execute('DELETE FROM backup_pins WHERE account_id = $1', [accountId])) > 0;
  }
}
