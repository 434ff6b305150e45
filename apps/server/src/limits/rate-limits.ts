/**
 * Every rate limit of the server: token buckets in RATE_LIMITS, and the
 * backoffs of password login in LOGIN_BACKOFFS. Operators override any of
 * them with RATE_LIMITS=name=capacity/seconds,... and
 * LOGIN_BACKOFF=name=free/firstSeconds/maxSeconds,...
 */
export interface RateLimitRule {
  capacity: number;
  refillPerSecond: number;
}

export const RATE_LIMITS = {
  /** Bundle fetches per requesting account: bounds how fast anyone can drain another user's one-time keys. */
  keyFetch: { capacity: 300, refillPerSecond: 300 / 60 },
  /** Failed password logins per client IPv4 address or IPv6 /64 (clientNetwork): slows guessing across accounts. */
  loginFailuresPerIp: { capacity: 50, refillPerSecond: 50 / 300 },
  /** Account registrations per client IP. */
  registrationPerIp: { capacity: 100, refillPerSecond: 100 / 60 },
  /** Key uploads (PUT /v1/keys) per device: with the stored-key cap, bounds what one device can make the server store. */
  keyUpload: { capacity: 20, refillPerSecond: 20 / 600 },
  /** Message sends per sending device. */
  messageSend: { capacity: 2000, refillPerSecond: 1000 },
  /** Device login challenges per account and device. */
  deviceChallenge: { capacity: 20, refillPerSecond: 20 / 60 },
  /** Bundle fetches per remote requester (federation). */
  federationKeyFetch: { capacity: 300, refillPerSecond: 300 / 60 },
} satisfies Record<string, RateLimitRule>;

export type RateLimitName = keyof typeof RATE_LIMITS;

/**
 * Exponential backoff after failures: the first `free` cost nothing, then
 * each failure makes the next attempt wait, firstDelayMs doubling per
 * failure up to maxDelayMs. Unlike a bucket that runs dry, it never shuts
 * anyone out for long, and a success forgives (auth/login-attempts.ts).
 */
export interface BackoffRule {
  free: number;
  firstDelayMs: number;
  maxDelayMs: number;
}

export const LOGIN_BACKOFFS = {
  /** Failed password logins per account and client network: the owner's typos, or one attacker. */
  perAddress: { free: 5, firstDelayMs: 1000, maxDelayMs: 15 * 60_000 },
  /** Failed password logins per account from networks that have not logged in to it lately: an attacker with many addresses. */
  perAccount: { free: 50, firstDelayMs: 1000, maxDelayMs: 15 * 60_000 },
} satisfies Record<string, BackoffRule>;

export type LoginBackoffName = keyof typeof LOGIN_BACKOFFS;
export type LoginBackoffRules = Record<LoginBackoffName, BackoffRule>;
