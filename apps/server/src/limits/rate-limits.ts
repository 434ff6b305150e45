/**
 * Every rate limit of the server, in one table (token buckets). Operators
 * override any of them with RATE_LIMITS=name=capacity/seconds,...
 */
export interface RateLimitRule {
  capacity: number;
  refillPerSecond: number;
}

export const RATE_LIMITS = {
  /** Bundle fetches per requesting account: bounds how fast anyone can drain another user's one-time keys. */
  keyFetch: { capacity: 300, refillPerSecond: 300 / 60 },
  /** Failed password logins per account: slows guessing against one account. */
  loginFailuresPerAccount: { capacity: 10, refillPerSecond: 10 / 300 },
  /** Failed password logins per client IP: slows guessing across accounts. */
  loginFailuresPerIp: { capacity: 50, refillPerSecond: 50 / 300 },
  /** Account registrations per client IP. */
  registrationPerIp: { capacity: 100, refillPerSecond: 100 / 60 },
  /** Key uploads (PUT /v1/keys) per device: with the stored-key cap, bounds what one device can make the server store. */
  keyUpload: { capacity: 20, refillPerSecond: 20 / 600 },
  /** Message sends per sending device. */
  messageSend: { capacity: 2000, refillPerSecond: 1000 },
  /**
   * Fan-outs per sender address and recipient account, local and federated
   * senders alike (sync copies to one's own account are not counted): what
   * one sender can push at one person. A burst of 500 (an outbox flushed
   * after days offline), then 500 a minute, far beyond anyone typing; a
   * flooder gets 8 a second, and no more of the recipient's queue than
   * MAX_QUEUED_PER_SENDER.
   */
  messageSendPerRecipient: { capacity: 500, refillPerSecond: 500 / 60 },
  /** Device login challenges per account and device. */
  deviceChallenge: { capacity: 20, refillPerSecond: 20 / 60 },
  /** Bundle fetches per remote requester (federation). */
  federationKeyFetch: { capacity: 300, refillPerSecond: 300 / 60 },
} satisfies Record<string, RateLimitRule>;

export type RateLimitName = keyof typeof RATE_LIMITS;
