import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../database/database.service';

/** SQL of linking slots: each relays one sealed provisioning message, once. */
@Injectable()
export class ProvisioningRepository {
  constructor(private readonly db: DatabaseService) {}

  async insertSlot(id: string, accountId: string, expiresAt: Date): Promise<void> {
    await this.db.execute('INSERT INTO provisioning_slots (id, account_id, expires_at) VALUES ($1, $2, $3)', [id, accountId, expiresAt]);
  }

  /**
   * Fills an empty, live slot of this account; 'missing' when there is no
   * such slot (unknown, expired, another account's, or already collected),
   * 'filled' when a message is there already. The condition and the write
   * are one statement, so two approvals cannot both fill it.
   */
  async fillSlot(id: string, accountId: string, message: string, now: Date): Promise<'stored' | 'filled' | 'missing'> {
    const stored = await this.db.execute(
      'UPDATE provisioning_slots SET message = $3 WHERE id = $1 AND account_id = $2 AND expires_at > $4 AND message IS NULL',
      [id, accountId, message, now],
    );
    if (stored === 1) return 'stored';
    const slot = await this.db.one('SELECT 1 FROM provisioning_slots WHERE id = $1 AND account_id = $2 AND expires_at > $3', [
      id,
      accountId,
      now,
    ]);
    return slot ? 'filled' : 'missing';
  }

  /**
   * Collects the message of a live slot of this account: returns it and
   * deletes the slot in one statement (single use, so a replayed or second
   * collection finds nothing); null when the slot is live but still empty,
   * undefined when there is no such slot.
   */
  async collectSlot(id: string, accountId: string, now: Date): Promise<string | null | undefined> {
    const taken = await this.db.one<{ message: string }>(
      `DELETE FROM provisioning_slots WHERE id = $1 AND account_id = $2 AND expires_at > $3 AND message IS NOT NULL RETURNING message`,
      [id, accountId, now],
    );
    if (taken) return taken.message;
    const waiting = await this.db.one('SELECT 1 FROM provisioning_slots WHERE id = $1 AND account_id = $2 AND expires_at > $3', [
      id,
      accountId,
      now,
    ]);
    return waiting ? null : undefined;
  }

  /** Forgets slots nobody can use any more. */
  deleteExpired(now: Date): Promise<number> {
    return this.db.execute('DELETE FROM provisioning_slots WHERE expires_at <= $1', [now]);
  }
}
