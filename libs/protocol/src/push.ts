/**
 * Push wake-ups (docs/API.md section 9): a device that is not connected is
 * woken through its Web Push subscription (RFC 8030, keys of RFC 8291,
 * VAPID of RFC 8292) with a payload that says nothing but "fetch".
 */

/** The decrypted payload of every wake-up: no sender, no content, no count. */
export const PUSH_WAKE_UP_PAYLOAD = '{"type":"fetch"}';

/** 200 of GET /v1/push/vapid-key: what a browser passes as `applicationServerKey`. */
export interface VapidKeyResponse {
  /** base64url (no padding) of the 65-byte uncompressed P-256 public key. */
  publicKey: string;
}

/** PUT /v1/push/subscription: the shape of a browser's `PushSubscription.toJSON()`. */
export interface PushSubscriptionRequest {
  /** An https:// URL of the push service (or UnifiedPush distributor). */
  endpoint: string;
  /** Ignored; accepted because browsers include it. */
  expirationTime?: number | null;
  keys: {
    /** base64url of the 65-byte uncompressed P-256 public key of the subscription (RFC 8291). */
    p256dh: string;
    /** base64url of the 16-byte authentication secret (RFC 8291). */
    auth: string;
  };
}

/** GET /v1/push/subscription (and the answer of PUT): the device's subscription and what its push service last said. */
export interface PushSubscriptionStatus {
  endpoint: string;
  /** ms since the epoch. */
  createdAt: number;
  /** The last wake-up the push service accepted, ms since the epoch; null: none yet. */
  lastSuccessAt: number | null;
  /** The last wake-up that failed for good, ms since the epoch; null: none. */
  lastFailureAt: number | null;
  /** The push service's HTTP status for that failure; null when it never answered (timeout, connection refused). */
  lastFailureStatus: number | null;
  /** When the push service said the subscription is gone (404 or 410); no wake-ups after it. Null: live. */
  droppedAt: number | null;
}
