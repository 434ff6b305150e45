/** A device's push subscription, as stored (RFC 8030 endpoint, RFC 8291 keys). */
export interface StoredSubscription {
  accountId: string;
  deviceId: number;
  endpoint: string;
  /** The subscription's 65-byte uncompressed P-256 public key. */
  p256dh: Buffer;
  /** Its 16-byte authentication secret. */
  auth: Buffer;
}

/** RFC 8030 section 5.3: how soon the push service should deliver (and wake the device's radio for) a wake-up. */
export type WakeUpUrgency = 'high' | 'low';

/**
 * What the push service made of one attempt: accepted; the subscription
 * is gone (stop using it); try again later (with the delay the service
 * asked for, if it did); or refused for good.
 */
export type PushOutcome =
  | { kind: 'delivered'; status: number }
  | { kind: 'gone'; status: number }
  | { kind: 'retry'; status: number | null; retryAfterMs?: number }
  | { kind: 'failed'; status: number | null };

/**
 * Sends one content-free wake-up to a subscription. Web Push
 * (WebPushProvider) is the one implementation; APNs and FCM would be
 * others, each mapping its own answers to a PushOutcome.
 */
export abstract class PushProvider {
  abstract wake(subscription: StoredSubscription, urgency: WakeUpUrgency): Promise<PushOutcome>;
}
