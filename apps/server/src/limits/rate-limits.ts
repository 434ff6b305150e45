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
  /** Bundle fetches per requesting account, whatever the targets: bounds how fast one account can scrape the directory. */
  keyFetch: { capacity: 300, refillPerSecond: 300 / 60 },
  /**
   * Bundle fetches of one target account by one requester (a local account,
   * or a remote user): repeated fetches of one bundle hit 429 long before the
   * target's one-time keys run out (a device stores up to 500). A new
   * conversation takes one fetch per requesting device; a burst of 25 covers
   * a requester with many devices and a few retries.
   */
  keyFetchPerTarget: { capacity: 25, refillPerSecond: 25 / 3600 },
  /** Failed password logins per client IPv4 address or IPv6 /64 (clientNetwork): slows guessing across accounts. */
  loginFailuresPerIp: { capacity: 50, refillPerSecond: 50 / 300 },
  /** Account registrations per client IPv4 address or IPv6 /64 (clientNetwork). */
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
  /** Key log alarms a device reports to its account's audit log: a monitor reports an alarm once, so this only bounds storage. */
  keyLogAlarmReport: { capacity: 10, refillPerSecond: 10 / 3600 },
  /**
   * Backup uploads and deletions per account (or device token's account): a
   * client backs up after changes, not continuously; bounds what one
   * account can make the server rewrite.
   */
  backupWrite: { capacity: 20, refillPerSecond: 20 / 3600 },
  /** Backup downloads per account: a restore reads one backup, and a retry or two. */
  backupRead: { capacity: 20, refillPerSecond: 20 / 3600 },
  /** Bundle fetches per remote requester (federation). */
  federationKeyFetch: { capacity: 300, refillPerSecond: 300 / 60 },
  /**
   * Bundle fetches of one local account by all the users of one peer domain
   * together: a peer cannot drain a target by cycling requester names.
   */
  peerKeyFetchPerTarget: { capacity: 100, refillPerSecond: 100 / 3600 },
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
