import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../database/database.service';
import type { StoredSubscription } from './push-provider';

export interface SubscriptionRow {
  endpoint: string;
  created_at: Date;
  last_success_at: Date | null;
  last_failure_at: Date | null;
  last_failure_status: number | null;
  dropped_at: Date | null;
}

/** The server's VAPID key pair, base64url as `web-push` takes it. */
export interface VapidKeyPair {
  publicKey: string;
  privateKey: string;
}

/** SQL of push subscriptions (one per device) and of the VAPID key pair. */
@Injectable()
export class PushRepository {
  constructor(private readonly db: DatabaseService) {}

  /**
   * The stored VAPID key pair, storing `candidate` first if there is none.
   * Processes starting at once all end up with the first pair committed,
   * as with the federation key (federation/outbound/server-identity.repository.ts).
   */
  async findOrStoreVapidKeys(candidate: VapidKeyPair): Promise<VapidKeyPair> {
    await this.db.execute('INSERT INTO push_vapid_identity (public_key, private_key) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [
      candidate.publicKey,
      candidate.privateKey,
    ]);
    const row = await this.db.one<{ public_key: string; private_key: string }>('SELECT public_key, private_key FROM push_vapid_identity');
    return { publicKey: row!.public_key, privateKey: row!.private_key };
  }

  /** Stores the device's subscription, replacing any earlier one with its history (a new endpoint starts clean). */
  async replace(subscription: StoredSubscription, now: Date): Promise<SubscriptionRow> {
    const row = await this.db.one<SubscriptionRow>(
      `INSERT INTO push_subscriptions (account_id, device_id, endpoint, p256dh, auth, created_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (account_id, device_id) DO UPDATE SET
         endpoint = EXCLUDED.endpoint, p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth, created_at = EXCLUDED.created_at,
         last_success_at = NULL, last_failure_at = NULL, last_failure_status = NULL, dropped_at = NULL
       RETURNING endpoint, created_at, last_success_at, last_failure_at, last_failure_status, dropped_at`,
      [subscription.accountId, subscription.deviceId, subscription.endpoint, subscription.p256dh, subscription.auth, now],
    );
    return row!;
  }

  async delete(accountId: string, deviceId: number): Promise<void> {
    await this.db.execute('DELETE FROM push_subscriptions WHERE account_id = $1 AND device_id = $2', [accountId, deviceId]);
  }

  async findStatus(accountId: string, deviceId: number): Promise<SubscriptionRow | null> {
    return this.db.one<SubscriptionRow>(
      `SELECT endpoint, created_at, last_success_at, last_failure_at, last_failure_status, dropped_at
       FROM push_subscriptions WHERE account_id = $1 AND device_id = $2`,
      [accountId, deviceId],
    );
  }

  /** The device's subscription unless its push service dropped it. */
  async findLive(accountId: string, deviceId: number): Promise<StoredSubscription | null> {
    const row = await this.db.one<{ endpoint: string; p256dh: Buffer; auth: Buffer }>(
      'SELECT endpoint, p256dh, auth FROM push_subscriptions WHERE account_id = $1 AND device_id = $2 AND dropped_at IS NULL',
      [accountId, deviceId],
    );
    return row && { accountId, deviceId, ...row };
  }

  /**
   * Records what the push service answered. Each update names the endpoint
   * it sent to, so an answer about a subscription the device has replaced
   * meanwhile changes nothing (a late 410 must not drop the new one).
   */
  async recordSuccess(subscription: StoredSubscription, at: Date): Promise<void> {
    await this.db.execute('UPDATE push_subscriptions SET last_success_at = $4 WHERE account_id = $1 AND device_id = $2 AND endpoint = $3', [
      ...this.identify(subscription),
      at,
    ]);
  }

  async recordFailure(subscription: StoredSubscription, status: number | null, at: Date): Promise<void> {
    await this.db.execute(
      'UPDATE push_subscriptions SET last_failure_at = $4, last_failure_status = $5 WHERE account_id = $1 AND device_id = $2 AND endpoint = $3',
      [...this.identify(subscription), at, status],
    );
  }

  /** The push service said the subscription is gone (404, 410): no more wake-ups until the device registers again. */
  async markDropped(subscription: StoredSubscription, status: number, at: Date): Promise<void> {
    await this.db.execute(
      `UPDATE push_subscriptions SET dropped_at = $4, last_failure_at = $4, last_failure_status = $5
       WHERE account_id = $1 AND device_id = $2 AND endpoint = $3`,
      [...this.identify(subscription), at, status],
    );
  }

  private identify(subscription: StoredSubscription) {
    return [subscription.accountId, subscription.deviceId, subscription.endpoint];
  }
}
